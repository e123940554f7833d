package org.vmrole.model.service;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where each part of a {@link ServiceModel} was written, kept apart from the model so that the same
 * service read from XML or from YAML gives equal models. Keys are built by the static methods here.
 */
public final class SourceMap {
    private final Map<String, SourceLocation> places = new HashMap<>();
    private final SourceLocation definitionFile;
    private final SourceLocation configurationFile;

    public SourceMap(String definitionFile, String configurationFile) {
        this.definitionFile = SourceLocation.ofFile(definitionFile);
        this.configurationFile = SourceLocation.ofFile(configurationFile);
    }

    public static String service() { return "service"; }
    public static String upgradeDomainCount() { return "service/upgradeDomainCount"; }
    public static String probe(String probe) { return "probe:" + probe; }
    public static String role(String role) { return "role:" + role; }
    public static String roleSize(String role) { return "role:" + role + "/vmsize"; }
    public static String input(String role, String endpoint) { return "role:" + role + "/input:" + endpoint; }
    public static String internal(String role, String endpoint) { return "role:" + role + "/internal:" + endpoint; }
    public static String settingDeclared(String role, String setting) { return "role:" + role + "/setting:" + setting; }
    public static String storage(String role, String storage) { return "role:" + role + "/storage:" + storage; }
    public static String roleConfig(String role) { return "config:" + role; }
    public static String instances(String role) { return "config:" + role + "/instances"; }
    public static String image(String role) { return "config:" + role + "/image"; }
    public static String drive(String role, String drive) { return "config:" + role + "/drive:" + drive; }
    public static String settingValue(String role, String setting) { return "config:" + role + "/setting:" + setting; }

    /** Records where a part was written; the first place wins (later ones are duplicates the reader reports). */
    public void put(String key, SourceLocation where) {
        places.putIfAbsent(key, where);
    }

    public Optional<SourceLocation> find(String key) {
        return Optional.ofNullable(places.get(key));
    }

    public boolean has(String key) {
        return places.containsKey(key);
    }

    /** The place of a part, or of the file it belongs in when the part was never written. */
    public SourceLocation locate(String key) {
        SourceLocation at = places.get(key);
        if (at != null) return at;
        return key.startsWith("config:") ? configurationFile : definitionFile;
    }

    public SourceLocation definitionFile() { return definitionFile; }

    public SourceLocation configurationFile() { return configurationFile; }
}
