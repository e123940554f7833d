package org.vmrole.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.vmrole.guest.image.SampleImage;
import org.vmrole.server.cli.ApiClient;

/**
 * The Management Portal in a real browser (Debian's chromium, headless, through its chromedriver) against the
 * embedded platform on real QEMU. One platform and one deployment serve every case, in order: the beta flow with
 * two browser sessions, an interrupted and resumed upload, deploy / reimage / scale / delete, untrusted text, and
 * another tenant's URL. Screenshots of each page go to target/portal-screenshots/.
 */
@Tag("vm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PortalVmTest {
    private static final Path SHOTS = Path.of("target", "portal-screenshots");
    private static final String XSS = "<img src=x onerror=\"window.xss=1;alert(1)\">";

    Path dir;
    EmbeddedPlatform platform;
    ApiClient admin;
    String contosoKey;
    String fabrikamKey;
    ChromeDriver tenant;
    ChromeDriver administrator;
    String portal;

    @BeforeAll
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromedriver")) && Files.isExecutable(Path.of("/usr/bin/chromium")),
                "the portal's browser test needs Debian's chromium and chromium-driver (./test installs them)");
        dir = Files.createTempDirectory("portal-test");
        Files.createDirectories(SHOTS);
        platform = EmbeddedPlatform.start(new EmbeddedPlatform.Settings(dir.resolve("data"), "127.0.0.1", 0, null, 2));
        admin = new ApiClient(platform.apiUrl(), platform.firstAdministratorKey().orElseThrow());
        admin.post("/subscriptions", Map.of("id", "contoso"));
        admin.post("/subscriptions", Map.of("id", "fabrikam"));
        contosoKey = admin.post("/subscriptions/contoso/keys", Map.of()).get("key").asText();
        fabrikamKey = admin.post("/subscriptions/fabrikam/keys", Map.of()).get("key").asText();
        portal = platform.apiUrl() + "/portal";
        tenant = browser("tenant");
        administrator = browser("admin");
    }

    @AfterAll
    void stop() throws Exception {
        for (WebDriver d : new WebDriver[] {tenant, administrator}) if (d != null) d.quit();
        if (platform != null) platform.close();
        for (long pid : ChildJvm.processesMentioning(dir.toString())) ChildJvm.kill9(pid);
    }

    private ChromeDriver browser(String name) throws Exception {
        ChromeOptions o = new ChromeOptions();
        o.setBinary("/usr/bin/chromium");
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,800",
                "--user-data-dir=" + Files.createDirectories(dir.resolve("chrome-" + name)));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        // the driver Debian ships with its chromium: Selenium Manager never downloads one
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private void signIn(WebDriver d, String key) {
        d.get(portal + "#/home");
        WebElement input = waitFor(d, By.id("api-key"));
        input.sendKeys(key);
        d.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
        waitFor(d, By.id("sign-out"));
    }

    private static WebElement waitFor(WebDriver d, By what) {
        return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(() -> d.findElement(what), e -> e.isDisplayed());
    }

    private static void go(WebDriver d, String hash) {
        ((JavascriptExecutor) d).executeScript("location.hash = arguments[0]", hash);
    }

    private static String text(WebDriver d) {
        return d.findElement(By.tagName("body")).getText();
    }

    private static void shot(WebDriver d, String name) throws Exception {
        Files.copy(((TakesScreenshot) d).getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** No script error, no CSP violation: network answers such as a 404 the page asked for are not errors of the page. */
    private static void assertNoConsoleErrors(WebDriver d) {
        List<String> errors = new ArrayList<>();
        for (LogEntry e : d.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue() && !e.getMessage().contains("the server responded with a status of 4")) {
                errors.add(e.getMessage());
            }
        }
        assertThat(errors).as("browser console errors").isEmpty();
    }

    private static void assertNoAlert(WebDriver d) {
        try {
            d.switchTo().alert();
            throw new AssertionError("an alert fired");
        } catch (NoAlertPresentException expected) {
            // no alert: good
        }
        assertThat(((JavascriptExecutor) d).executeScript("return window.xss === undefined")).isEqualTo(true);
    }

    private static Path copyResource(Path to, String resource) throws Exception {
        Files.copy(PortalVmTest.class.getResourceAsStream(resource), to, StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    /** Clicks what the selector finds, finding it again when a live redraw replaced it in between. */
    private static void click(WebDriver d, By what) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            d.findElement(what).click();
            return true;
        });
    }

    private List<WebElement> instances() {
        return tenant.findElements(By.cssSelector("[data-instance]"));
    }

    // ---- the cases ----------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void a_tenant_requests_beta_admission_and_sees_it_approved_by_the_administrator_in_another_session() throws Exception {
        signIn(tenant, contosoKey);
        assertThat(tenant.findElement(By.id("signed-in-as")).getText()).isEqualTo("Subscription contoso");
        shot(tenant, "01-home-before-admission");
        tenant.findElement(By.linkText("Beta Programs")).click();
        WebElement reason = waitFor(tenant, By.id("reason-vm-role"));
        assertThat(tenant.findElement(By.id("deploy-button")).isEnabled()).isFalse();
        reason.sendKeys("We run our web farm as VM images.");
        tenant.findElement(By.cssSelector("section[data-program=vm-role] form.request button[type=submit]")).click();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> tenant.findElement(By.cssSelector(".admission[data-program=vm-role]")).getText().equals("Pending"));
        shot(tenant, "02-beta-pending");

        signIn(administrator, platform.firstAdministratorKey().orElseThrow());
        go(administrator, "#/beta");
        WebElement row = waitFor(administrator, By.cssSelector("tr[data-subscription=contoso]"));
        row.findElement(By.cssSelector("input.note-input")).sendKeys("welcome aboard");
        shot(administrator, "03-beta-admin-pending");
        row.findElement(By.cssSelector("button.approve")).click();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> administrator.findElements(By.cssSelector("tr[data-subscription=contoso]")).isEmpty());

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> tenant.findElement(By.cssSelector(".admission[data-program=vm-role]")).getText().equals("Approved"));
        assertThat(tenant.findElement(By.id("deploy-button")).isEnabled()).isTrue();
        assertThat(text(tenant)).contains("welcome aboard");
        shot(tenant, "04-beta-approved");

        go(administrator, "#/admin");
        waitFor(administrator, By.cssSelector("#hosts tr[data-host]"));
        shot(administrator, "05-administrator");
        click(administrator, By.cssSelector("tr[data-host=host-1] button"));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> administrator.findElement(By.cssSelector("tr[data-host=host-1]")).getText().contains("Draining"));
        click(administrator, By.cssSelector("tr[data-host=host-1] button"));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> administrator.findElement(By.cssSelector("tr[data-host=host-1]")).getText().contains("Up"));
        assertNoConsoleErrors(tenant);
        assertNoConsoleErrors(administrator);
    }

    @Test
    @Order(2)
    void an_upload_interrupted_by_closing_the_tab_resumes_where_it_stopped_and_is_verified() throws Exception {
        Path image = SampleImage.ensure();
        long size = Files.size(image);
        go(tenant, "#/images");
        WebElement name = waitFor(tenant, By.id("image-name"));
        // a slow link (1 MB/s up) so the tab can be closed halfway
        tenant.executeCdpCommand("Network.enable", Map.of());
        tenant.executeCdpCommand("Network.emulateNetworkConditions", Map.of("offline", false, "latency", 0, "downloadThroughput", -1, "uploadThroughput", 1_000_000));
        name.sendKeys("sample-v1");
        tenant.findElement(By.id("image-file")).sendKeys(image.toString());
        tenant.findElement(By.cssSelector("#upload-form button[type=submit]")).click();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().pollInterval(Duration.ofMillis(100))
                .until(() -> Double.parseDouble(tenant.findElement(By.id("upload-progress")).getDomProperty("value")) > size / 5.0);
        shot(tenant, "06-images-uploading");
        String uploading = tenant.getWindowHandle();
        tenant.switchTo().newWindow(WindowType.TAB);
        String fresh = tenant.getWindowHandle();
        tenant.switchTo().window(uploading).close();
        tenant.switchTo().window(fresh);

        // a new tab has no key: sign in again, and the Images page offers to resume
        signIn(tenant, contosoKey);
        go(tenant, "#/images");
        WebElement pending = waitFor(tenant, By.cssSelector(".pending-upload[data-name=sample-v1]"));
        String uploadId = pending.getDomAttribute("data-upload");
        long received = new ApiClient(platform.apiUrl(), contosoKey).get("/images/uploads/" + uploadId).get("received").asLong();
        assertThat(received).as("bytes kept from the interrupted upload").isGreaterThan(0).isLessThan(size);
        shot(tenant, "07-images-interrupted");
        pending.findElement(By.cssSelector("input.resume-file")).sendKeys(image.toString());
        pending.findElement(By.cssSelector("button.resume")).click();
        waitFor(tenant, By.cssSelector("tr[data-image=sample-v1]"));
        assertThat(tenant.findElements(By.cssSelector(".pending-upload"))).isEmpty();
        assertThat(new ApiClient(platform.apiUrl(), contosoKey).get("/images/sample-v1").get("digest").asText()).startsWith("sha256:");
        shot(tenant, "08-images");
        assertNoConsoleErrors(tenant);
    }

    @Test
    @Order(3)
    void deploys_the_example_and_watches_both_instances_reach_ready_role() throws Exception {
        Path csdef = copyResource(dir.resolve("ServiceDefinition.csdef"), "/demo/ServiceDefinition.csdef");
        Path cscfg = copyResource(dir.resolve("ServiceConfiguration.cscfg"), "/demo/ServiceConfiguration.cscfg");
        go(tenant, "#/services");
        waitFor(tenant, By.id("service-name")).sendKeys("hello");
        tenant.findElement(By.id("service-label")).sendKeys("Hello from the portal");
        tenant.findElement(By.cssSelector("#new-service button[type=submit]")).click();
        waitFor(tenant, By.id("csdef-production")).sendKeys(csdef.toString());
        tenant.findElement(By.id("cscfg-production")).sendKeys(cscfg.toString());
        shot(tenant, "09-service-empty");
        tenant.findElement(By.cssSelector("form.deploy[data-slot=production] .deploy-submit")).click();
        waitFor(tenant, By.cssSelector("section.slot[data-slot=production] a.button-link")).click();
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            assertThat(instances()).hasSize(2);
            for (WebElement i : instances()) assertThat(i.getDomAttribute("data-state")).isEqualTo("ReadyRole");
        });
        assertThat(text(tenant)).contains("2 of 2 instances ready");
        shot(tenant, "10-deployment-ready");

        go(tenant, "#/home");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> text(tenant).contains("production: 2 of 2 ready"));
        assertThat(text(tenant)).contains("CreateDeployment");
        shot(tenant, "11-home");

        go(tenant, "#/images");
        By delete = By.cssSelector("tr[data-image=sample-v1] button.danger");
        waitFor(tenant, delete);
        click(tenant, delete);
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> tenant.findElement(delete).getText().startsWith("Confirm"));
        click(tenant, delete);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> text(tenant).contains("Cannot delete sample-v1"));
        assertThat(text(tenant)).as("the deployment using the image is named").contains("is used by deployment contoso/hello (production)");
        shot(tenant, "12-image-in-use");
        assertNoConsoleErrors(tenant);
    }

    @Test
    @Order(4)
    void a_reimaged_instance_goes_through_its_states_back_to_ready_with_a_new_incarnation() throws Exception {
        go(tenant, "#/services/hello/production");
        WebElement card = waitFor(tenant, By.cssSelector("[data-instance=WebVM_IN_0]"));
        long before = Long.parseLong(card.getDomAttribute("data-incarnation"));
        click(tenant, By.cssSelector("[data-instance=WebVM_IN_0] button.reimage"));
        Set<String> seen = new LinkedHashSet<>();
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            WebElement c = tenant.findElement(By.cssSelector("[data-instance=WebVM_IN_0]"));
            String state = c.getDomAttribute("data-state");
            seen.add(state);
            return Long.parseLong(c.getDomAttribute("data-incarnation")) > before && state.equals("ReadyRole") && seen.size() > 1;
        });
        assertThat(seen).as("states WebVM_IN_0 went through").contains("ReadyRole").hasSizeGreaterThan(1);
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> !tenant.findElements(By.cssSelector(".op[data-status=Succeeded]")).isEmpty());
        assertThat(tenant.findElement(By.id("ops")).getText()).contains("Reimage WebVM_IN_0");
        System.out.println("WebVM_IN_0 reimage states seen in the portal: " + seen);
        shot(tenant, "13-after-reimage");

        click(tenant, By.cssSelector("[data-instance=WebVM_IN_1] button.console"));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> tenant.findElement(By.id("console-text")).getText().length() > 20);
        shot(tenant, "14-console");
        assertNoConsoleErrors(tenant);
    }

    @Test
    @Order(5)
    void scaling_in_leaves_one_instance() throws Exception {
        WebElement count = waitFor(tenant, By.id("scale-WebVM"));
        count.clear();
        count.sendKeys("1");
        tenant.findElement(By.cssSelector("form.scale[data-role=WebVM] button[type=submit]")).click();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
            assertThat(instances()).hasSize(1);
            assertThat(tenant.findElement(By.id("ops")).getText()).contains("Scale WebVM to 1 Succeeded");
        });
        shot(tenant, "15-after-scale");
    }

    @Test
    @Order(6)
    void a_manual_upgrade_walks_its_update_domain_on_request_and_a_second_one_rolls_back() throws Exception {
        Path cscfg = dir.resolve("v2.cscfg");
        Files.writeString(cscfg, new String(PortalVmTest.class.getResourceAsStream("/demo/ServiceConfiguration.cscfg").readAllBytes())
                .replace("count=\"2\"", "count=\"1\""));
        waitFor(tenant, By.id("upgrade-cscfg")).sendKeys(cscfg.toString());
        tenant.findElement(By.cssSelector("#upgrade-mode option[value=manual]")).click();
        tenant.findElement(By.cssSelector("#upgrade-form button[type=submit]")).click();
        waitFor(tenant, By.id("walk-next"));
        assertThat(tenant.findElement(By.id("upgrade-state")).getText()).contains("Upgrade to version 2").contains("manual");
        shot(tenant, "16-upgrade-waiting");
        click(tenant, By.id("walk-next"));
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
            assertThat(tenant.findElements(By.id("upgrade-state"))).isEmpty();
            assertThat(tenant.findElement(By.id("deployment-version")).getText()).isEqualTo("2");
            assertThat(instances()).singleElement().satisfies(i -> assertThat(i.getDomAttribute("data-state")).isEqualTo("ReadyRole"));
        });

        tenant.findElement(By.id("upgrade-cscfg")).sendKeys(cscfg.toString());
        tenant.findElement(By.cssSelector("#upgrade-form button[type=submit]")).click();
        waitFor(tenant, By.id("rollback"));
        click(tenant, By.id("rollback"));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
            assertThat(tenant.findElements(By.id("upgrade-state"))).isEmpty();
            assertThat(tenant.findElement(By.id("ops")).getText()).contains("Roll back hello/production Succeeded");
        });
        assertThat(tenant.findElement(By.id("deployment-version")).getText()).isEqualTo("2");
        shot(tenant, "17-after-rollback");
    }

    @Test
    @Order(7)
    void a_vip_swap_trades_production_and_staging() throws Exception {
        ApiClient api = new ApiClient(platform.apiUrl(), contosoKey);
        go(tenant, "#/services/hello");
        waitFor(tenant, By.id("csdef-staging")).sendKeys(dir.resolve("ServiceDefinition.csdef").toString());
        tenant.findElement(By.id("cscfg-staging")).sendKeys(dir.resolve("v2.cscfg").toString());
        click(tenant, By.cssSelector("form.deploy[data-slot=staging] .deploy-submit"));
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> tenant.findElement(By.cssSelector("section.slot[data-slot=staging]")).getText().contains("1 of 1 instances ready"));
        String production = api.get("/services/hello").path("deployments").path("production").asText();
        String staging = api.get("/services/hello").path("deployments").path("staging").asText();
        shot(tenant, "18-service-both-slots");
        click(tenant, By.id("swap"));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                tenant.findElement(By.cssSelector("section.slot[data-slot=production]")).getText().contains(staging)
                        && tenant.findElement(By.cssSelector("section.slot[data-slot=staging]")).getText().contains(production));
        assertThat(api.get("/services/hello").path("deployments").path("production").asText()).isEqualTo(staging);
        shot(tenant, "19-after-swap");
        assertNoConsoleErrors(tenant);
    }

    @Test
    @Order(8)
    void untrusted_names_and_settings_are_shown_as_text_and_never_run() throws Exception {
        go(tenant, "#/services");
        waitFor(tenant, By.id("service-name")).sendKeys("tricky");
        tenant.findElement(By.id("service-label")).sendKeys(XSS);
        tenant.findElement(By.cssSelector("#new-service button[type=submit]")).click();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> tenant.findElement(By.id("service-label-text")).getText().equals(XSS));
        // a configuration setting the definition does not declare, named with markup: the validation error repeats it
        Path csdef = copyResource(dir.resolve("x.csdef"), "/demo/ServiceDefinition.csdef");
        Path cscfg = dir.resolve("x.cscfg");
        Files.writeString(cscfg, Files.readString(copyResource(dir.resolve("base.cscfg"), "/demo/ServiceConfiguration.cscfg"))
                .replace("<Instances count=\"2\"/>", "<Instances count=\"2\"/>\n    <ConfigurationSettings><Setting name=\""
                        + XSS.replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;") + "\" value=\"x\"/></ConfigurationSettings>"));
        tenant.findElement(By.id("csdef-staging")).sendKeys(csdef.toString());
        tenant.findElement(By.id("cscfg-staging")).sendKeys(cscfg.toString());
        tenant.findElement(By.cssSelector("form.deploy[data-slot=staging] .deploy-submit")).click();
        WebElement error = waitFor(tenant, By.cssSelector("form.deploy[data-slot=staging] .src-error"));
        assertThat(error.getText()).contains(XSS);
        assertThat(tenant.findElements(By.cssSelector("main img"))).as("no markup from data became an element").isEmpty();
        assertNoAlert(tenant);
        shot(tenant, "20-untrusted-text");
        go(tenant, "#/services");
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> text(tenant).contains(XSS));
        assertNoAlert(tenant);
        assertNoConsoleErrors(tenant);
    }

    @Test
    @Order(9)
    void another_tenants_deployment_url_shows_not_found() throws Exception {
        administrator.findElement(By.id("sign-out")).click();
        // by keyboard alone: the key field has the focus, Enter signs in
        waitFor(administrator, By.id("api-key"));
        administrator.switchTo().activeElement().sendKeys(fabrikamKey + Keys.ENTER);
        waitFor(administrator, By.id("sign-out"));
        administrator.get(portal + "#/services/hello/production");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> text(administrator).contains("Not found"));
        assertThat(text(administrator)).doesNotContain("WebVM_IN_0");
        shot(administrator, "21-other-tenant-not-found");
        administrator.manage().window().setSize(new Dimension(420, 800));
        go(administrator, "#/home");
        waitFor(administrator, By.id("usage-h"));
        shot(administrator, "22-home-narrow-window");

        // a key revoked while its tab uses it: the next page asks to sign in again
        String keyId = admin.get("/subscriptions/fabrikam/keys").path("keys").path(0).path("id").asText();
        admin.delete("/subscriptions/fabrikam/keys/" + keyId);
        go(administrator, "#/beta");
        waitFor(administrator, By.id("api-key"));
        assertThat(text(administrator)).contains("no longer accepted");
    }

    @Test
    @Order(10)
    void deleting_both_deployments_stops_every_vm() throws Exception {
        for (String slot : List.of("production", "staging")) {
            go(tenant, "#/services/hello/" + slot);
            waitFor(tenant, By.id("delete-deployment"));
            click(tenant, By.id("delete-deployment"));
            await().atMost(Duration.ofSeconds(5)).ignoreExceptions().until(() -> tenant.findElement(By.id("delete-deployment")).getText().startsWith("Confirm"));
            click(tenant, By.id("delete-deployment"));
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> tenant.findElement(By.id("ops")).getText().contains("Delete hello/" + slot + " Succeeded"));
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> text(tenant).contains("no longer exists"));
        }
        shot(tenant, "23-deleted");
        await().atMost(Duration.ofMinutes(1)).ignoreExceptions().until(() -> ChildJvm.processesMentioning(dir.toString()).stream()
                .noneMatch(pid -> ProcessHandle.of(pid).flatMap(p -> p.info().command()).orElse("").contains("qemu")));
        assertNoConsoleErrors(tenant);
    }
}
