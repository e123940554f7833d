package org.vmrole.model.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.host.LocalDisk;

class ServiceValidatorTest {
    private static final String YAML = """
            service: shop
            roles:
              - name: WebVM
                vmsize: Small
                instances: %d
                image: %s
                inputEndpoints:
                  - name: HttpIn
                    protocol: http
                    port: 80
                    localPort: 8080
                internalEndpoints:
                  - name: Gossip
                    protocol: tcp
                    port: 7946
                settings:
                  Greeting: hello
                  Empty: ""
                localStorage:
                  - name: Scratch
                    sizeInMB: 512
            """;

    private static ServiceReading yaml(int instances, String image) {
        return ServiceModelReader.readYaml("s.yaml", new ByteArrayInputStream(YAML.formatted(instances, image).getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void reports_an_image_the_repository_does_not_have() {
        var rules = new ValidationRules(100, ImageCatalog.of(Set.of("shop-web-v1")));
        ValidationReport report = new ServiceValidator(rules).validate(yaml(2, "shop-web-v2"));
        assertThat(report.errors()).extracting(Problem::toString)
                .containsExactly("s.yaml:6:5: error: role 'WebVM' names image 'shop-web-v2', which is not in the image repository. Upload it first, or fix the href");
        assertThat(new ServiceValidator(rules).validate(yaml(2, "shop-web-v1")).valid()).isTrue();
    }

    @Test
    void the_instance_limit_is_configurable() {
        assertThat(new ServiceValidator(new ValidationRules(4, ImageCatalog.offline())).validate(yaml(5, "img")).errors())
                .singleElement().extracting(Problem::message).asString().contains("limit is 4 per role");
        assertThat(new ServiceValidator(ValidationRules.offline()).validate(yaml(5, "img")).valid()).isTrue();
    }

    @Test
    void a_single_instance_is_valid_with_a_warning_about_the_availability_guarantee() {
        ValidationReport report = new ServiceValidator(ValidationRules.offline()).validate(yaml(1, "img"));
        assertThat(report.valid()).isTrue();
        assertThat(report.warnings()).singleElement().extracting(Problem::message).asString().contains("availability guarantee");
    }

    @Test
    void a_role_converts_to_what_a_host_needs() {
        RoleModel role = new ServiceValidator(ValidationRules.offline()).validate(yaml(2, "img")).model().orElseThrow().roles().getFirst();
        assertThat(role.settingsForInstance()).containsExactly(java.util.Map.entry("Greeting", "hello"), java.util.Map.entry("Empty", ""));
        assertThat(role.inputBindings()).containsExactly(new EndpointBinding("HttpIn", "http", 8080, 0));
        assertThat(role.internalBindings()).containsExactly(new InternalBinding("Gossip", "tcp", 7946));
        assertThat(role.localDisks()).containsExactly(new LocalDisk("Scratch", 512, true));
    }

    @Test
    void never_expands_an_external_entity_into_the_model() {
        String csdef = """
                <?xml version="1.0"?>
                <!DOCTYPE d [ <!ENTITY e SYSTEM "file:///etc/passwd"> ]>
                <ServiceDefinition name="&e;"/>
                """;
        ServiceReading r = ServiceModelReader.readAzure("d.csdef", new ByteArrayInputStream(csdef.getBytes(StandardCharsets.UTF_8)),
                "c.cscfg", new ByteArrayInputStream("<ServiceConfiguration/>".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.model()).isEmpty();
        assertThat(r.problems()).extracting(Problem::toString).noneMatch(s -> s.contains("root:"));
        assertThat(r.problems()).extracting(Problem::message).anyMatch(m -> m.contains("DOCTYPE"));
    }

    @Test
    void an_empty_file_is_a_clear_error_not_an_exception() {
        ServiceReading r = ServiceModelReader.readYaml("empty.yaml", new ByteArrayInputStream(new byte[0]));
        assertThat(r.problems()).extracting(Problem::toString).containsExactly("empty.yaml: error: the file is empty; expected a YAML service description (see examples/)");
        ServiceReading x = ServiceModelReader.readAzure("a.csdef", new ByteArrayInputStream(new byte[0]), "b.cscfg", new ByteArrayInputStream(new byte[0]));
        assertThat(x.problems()).isNotEmpty().allMatch(Problem::isError);
    }
}
