package org.vmrole.storage.http;

import java.util.List;

/** One element of a parsed request body: local name (namespaces ignored), its own text, its child elements. */
public record XmlElement(String name, String text, List<XmlElement> children) {

    /** The first child called {@code childName}, or null. */
    public XmlElement child(String childName) {
        for (XmlElement c : children) if (c.name.equals(childName)) return c;
        return null;
    }

    /** Every child called {@code childName}, in document order. */
    public List<XmlElement> children(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }

    /** The trimmed text of the first child called {@code childName}, or null when it is absent or empty. */
    public String childText(String childName) {
        XmlElement c = child(childName);
        if (c == null) return null;
        String t = c.text.strip();
        return t.isEmpty() ? null : t;
    }
}
