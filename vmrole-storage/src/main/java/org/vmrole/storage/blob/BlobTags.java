package org.vmrole.storage.blob;

import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.XmlElement;
import org.vmrole.storage.http.XmlWriter;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Blob index tags: Azure's limits on them, and their two wire forms (the x-ms-tags header and the Tags document). */
final class BlobTags {
    static final int MAX_TAGS = 10;

    private BlobTags() {}

    /** The tags of an {@code x-ms-tags} header ("k1=v1&k2=v2", each part URL-encoded); none when absent. */
    static Map<String, String> fromHeader(String header) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (header == null || header.isEmpty()) return tags;
        for (String part : header.split("&", -1)) {
            int eq = part.indexOf('=');
            if (eq <= 0) throw invalidHeader(header);
            try {
                add(tags, URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw invalidHeader(header);
            }
        }
        return tags;
    }

    /** The tags of a Set Blob Tags body: {@code <Tags><TagSet><Tag><Key/><Value/></Tag>...</TagSet></Tags>}. */
    static Map<String, String> fromXml(XmlElement doc) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (doc == null) return tags;
        XmlElement set = doc.child("TagSet");
        if (set == null) return tags;
        for (XmlElement tag : set.children("Tag")) {
            XmlElement key = tag.child("Key");
            XmlElement value = tag.child("Value");
            if (key == null || value == null) throw invalidXml("every <Tag> needs a <Key> and a <Value>");
            add(tags, key.text(), value.text());
        }
        return tags;
    }

    private static void add(Map<String, String> tags, String key, String value) {
        check(key, 1, 128, "key");
        check(value, 0, 256, "value");
        if (tags.put(key, value) != null) throw invalidTag("the key '" + key + "' is given twice");
        if (tags.size() > MAX_TAGS) throw invalidTag("a blob has at most " + MAX_TAGS + " tags");
    }

    /** Letters, digits, space and + - . / : = _ are allowed, as in Azure. */
    private static void check(String s, int min, int max, String what) {
        if (s.length() < min || s.length() > max) throw invalidTag("a tag " + what + " has " + min + " to " + max + " characters, '" + s + "' has " + s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && " +-./:=_".indexOf(c) < 0) {
                throw invalidTag("a tag " + what + " may hold letters, digits, space and + - . / : = _ only, not '" + c + "' in '" + s + "'");
            }
        }
    }

    static void write(XmlWriter xml, Map<String, String> tags) {
        xml.start("Tags").start("TagSet");
        tags.forEach((k, v) -> xml.start("Tag").element("Key", k).element("Value", v).end());
        xml.end().end();
    }

    private static StorageException invalidTag(String why) {
        return StorageException.badRequest("InvalidTag", "The tags specified are invalid: " + why + ".");
    }

    private static StorageException invalidHeader(String header) {
        return StorageException.badRequest("InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format. Header: x-ms-tags value: "
                + header + ". Give URL-encoded key=value pairs joined by &.");
    }

    private static StorageException invalidXml(String why) {
        return StorageException.badRequest("InvalidXmlDocument", "XML specified is not syntactically valid: " + why + ".");
    }
}
