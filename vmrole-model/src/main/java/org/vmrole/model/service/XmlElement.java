package org.vmrole.model.service;

import java.util.List;
import java.util.Map;

/** A parsed XML element with the place its start tag begins and its own text; small documents only, read whole. */
record XmlElement(String namespace, String name, Map<String, String> attributes, List<XmlElement> children, SourceLocation where, String text) {
    XmlElement(String namespace, String name, Map<String, String> attributes, List<XmlElement> children, SourceLocation where) {
        this(namespace, name, attributes, children, where, "");
    }

    XmlElement {
        attributes = Map.copyOf(attributes);
        children = List.copyOf(children);
    }

    String attribute(String attr) {
        return attributes.get(attr);
    }

    List<XmlElement> children(String childName) {
        return children.stream().filter(c -> c.name.equals(childName)).toList();
    }
}
