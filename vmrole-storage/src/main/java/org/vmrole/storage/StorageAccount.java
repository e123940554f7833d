package org.vmrole.storage;

import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/** A storage account: its name and its two base64 keys, either of which signs requests. */
public record StorageAccount(String name, List<String> keys) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]{3,24}");

    /** The emulator account every Azure SDK knows as {@code UseDevelopmentStorage=true}. */
    public static final StorageAccount DEVELOPMENT = new StorageAccount("devstoreaccount1", List.of(
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="));

    public StorageAccount {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("account name '" + name + "' is invalid: use 3-24 lowercase letters and digits");
        }
        if (keys == null || keys.isEmpty()) {
            throw new IllegalArgumentException("account '" + name + "' needs at least one key (base64)");
        }
        for (String k : keys) {
            try {
                Base64.getDecoder().decode(k);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("account '" + name + "': key is not valid base64; give the key as printed by 'storage keys'");
            }
        }
        keys = List.copyOf(keys);
    }

    public List<byte[]> decodedKeys() {
        return keys.stream().map(k -> Base64.getDecoder().decode(k)).toList();
    }
}
