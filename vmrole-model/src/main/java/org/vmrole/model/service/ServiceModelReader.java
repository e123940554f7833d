package org.vmrole.model.service;

import java.io.InputStream;

/**
 * Reads service descriptions: an Azure {@code .csdef} + {@code .cscfg} pair, or one YAML file. File names are
 * only used in messages. Never throws on bad input: problems come back in the {@link ServiceReading}.
 */
public final class ServiceModelReader {
    private ServiceModelReader() {}

    /** Reads an Azure service definition and service configuration into one model. */
    public static ServiceReading readAzure(String definitionName, InputStream definition, String configurationName, InputStream configuration) {
        return AzureServiceReader.read(definitionName, definition, configurationName, configuration);
    }

    /** Reads the single-file YAML form (shape in {@code examples/README.md}). */
    public static ServiceReading readYaml(String fileName, InputStream yaml) {
        return YamlServiceReader.read(fileName, yaml);
    }
}
