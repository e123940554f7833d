package org.vmrole.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmrole.model.InstanceName;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.EndpointBinding;

/** The NoCloud drive as stock cloud-init reads it, read back with mtools. */
class ConfigDriveTest {
    @TempDir Path dir;

    private static Assignment web(String userData) {
        return new Assignment("d-7f3c", new InstanceName("WebVM", 0), 2, 0, VmSize.ExtraSmall, "sha256:abc", 0, 1,
                Map.of("Greeting", "it's hi"), List.of(new EndpointBinding("HttpIn", "http", 80, 18080)), List.of(), null, userData, null);
    }

    private String read(Path image, String file) throws Exception {
        Path copy = dir.resolve("read-" + file);
        HostCommand.require(List.of("mcopy", "-o", "-i", image.toString(), "::" + file, copy.toString()), Duration.ofSeconds(10));
        return java.nio.file.Files.readString(copy);
    }

    @Test
    void is_labelled_CIDATA_and_names_the_instance_and_its_incarnation() throws Exception {
        Path image = dir.resolve("cidata.img");
        ConfigDrive.write(web(""), image);

        assertThat(HostCommand.require(List.of("mlabel", "-s", "-i", image.toString(), "::"), Duration.ofSeconds(10)).output()).contains("CIDATA");
        assertThat(read(image, "meta-data")).contains("instance-id: d-7f3c-WebVM_IN_0-2", "local-hostname: webvm-in-0");
    }

    @Test
    void user_data_is_a_cloud_config_writing_the_role_environment_at_every_boot() throws Exception {
        Path image = dir.resolve("cidata.img");
        ConfigDrive.write(web(""), image);

        String userData = read(image, "user-data");
        assertThat(userData).startsWith("#cloud-config\n");
        JsonNode config = JsonLineChannel.JSON.readTree(userData.substring(userData.indexOf('\n') + 1));
        assertThat(config.path("hostname").asText()).isEqualTo("webvm-in-0");
        JsonNode command = config.path("bootcmd").get(0);
        assertThat(command.get(2).asText()).contains("> /run/vmrole/environment.new", "mv /run/vmrole/environment.new /run/vmrole/environment");
        assertThat(command.get(4).asText()).contains("VMROLE_INSTANCE_ID='WebVM_IN_0'", "VMROLE_SETTING_Greeting='it'\\''s hi'",
                "VMROLE_ENDPOINT_HttpIn_PORT='80'", "VMROLE_PORT='80'");
    }

    @Test
    void the_roles_own_user_data_travels_beside_the_platforms_in_a_multipart() throws Exception {
        Path image = dir.resolve("cidata.img");
        ConfigDrive.write(web("#cloud-config\nssh_authorized_keys:\n  - ssh-ed25519 AAAA test\n"), image);

        String userData = read(image, "user-data");
        String head = userData.lines().findFirst().orElseThrow();
        assertThat(head).startsWith("Content-Type: multipart/mixed; boundary=\"");
        String boundary = head.substring(head.indexOf('"') + 1, head.lastIndexOf('"'));
        String[] parts = userData.split("--" + java.util.regex.Pattern.quote(boundary));
        // preamble, our cloud-config, the role's, and the closing "--"
        assertThat(parts).hasSize(4);
        assertThat(parts[1]).contains("Content-Type: text/cloud-config", "/run/vmrole/environment");
        assertThat(parts[2]).contains("Content-Type: text/cloud-config", "ssh-ed25519 AAAA test");
        assertThat(parts[3].strip()).isEqualTo("--");
    }

    @Test
    void names_each_kind_of_user_data_as_cloud_init_does() {
        assertThat(ConfigDrive.mimeType("#!/bin/sh\necho hi\n")).isEqualTo("text/x-shellscript");
        assertThat(ConfigDrive.mimeType("#cloud-config\n{}\n")).isEqualTo("text/cloud-config");
        assertThat(ConfigDrive.mimeType("#cloud-boothook\n")).isEqualTo("text/cloud-boothook");
    }
}
