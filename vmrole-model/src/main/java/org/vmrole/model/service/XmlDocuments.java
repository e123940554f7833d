package org.vmrole.model.service;

import com.ctc.wstx.api.WstxInputProperties;
import com.ctc.wstx.stax.WstxInputFactory;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import org.codehaus.stax2.XMLStreamReader2;

/**
 * Reads a small XML document into {@link XmlElement}s with line and column of every start tag.
 * DTDs and external entities are refused, so a service file cannot make the reader fetch or expand anything.
 */
final class XmlDocuments {
    private static final int MAX_ELEMENTS = 20_000;
    private static final XMLInputFactory FACTORY = factory();

    private XmlDocuments() {}

    private static XMLInputFactory factory() {
        WstxInputFactory f = new WstxInputFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(WstxInputProperties.P_MAX_ATTRIBUTE_SIZE, 64 * 1024);
        f.setProperty(WstxInputProperties.P_MAX_ELEMENT_DEPTH, 64);
        f.setProperty(WstxInputProperties.P_MAX_TEXT_LENGTH, 1024 * 1024);
        return f;
    }

    /** The root element, or a problem saying where the XML is malformed. */
    static XmlElement read(String file, InputStream in, List<Problem> problems) {
        XMLStreamReader2 r = null;
        try {
            r = (XMLStreamReader2) FACTORY.createXMLStreamReader(in);
            Deque<Building> open = new ArrayDeque<>();
            XmlElement root = null;
            int count = 0;
            while (r.hasNext()) {
                int ev = r.next();
                if (ev == XMLStreamConstants.START_ELEMENT) {
                    if (++count > MAX_ELEMENTS) {
                        problems.add(Problem.error(at(file, r), "the document has more than " + MAX_ELEMENTS + " elements; a service description is far smaller"));
                        return null;
                    }
                    Map<String, String> attrs = new LinkedHashMap<>();
                    for (int i = 0; i < r.getAttributeCount(); i++) attrs.put(r.getAttributeLocalName(i), r.getAttributeValue(i));
                    String ns = r.getNamespaceURI();
                    open.push(new Building(ns == null ? "" : ns, r.getLocalName(), attrs, at(file, r)));
                } else if (ev == XMLStreamConstants.END_ELEMENT) {
                    Building b = open.pop();
                    XmlElement done = new XmlElement(b.ns, b.name, b.attrs, b.children, b.where, b.text.toString());
                    if (open.isEmpty()) root = done;
                    else open.peek().children.add(done);
                } else if ((ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.CDATA) && !open.isEmpty()) {
                    open.peek().text.append(r.getText());
                } else if (ev == XMLStreamConstants.DTD) {
                    problems.add(Problem.error(at(file, r), "the document has a DOCTYPE; service descriptions must not (remove the <!DOCTYPE ...> line)"));
                    return null;
                }
            }
            if (root == null) problems.add(Problem.error(SourceLocation.ofFile(file), "the file is empty; expected an XML document"));
            return root;
        } catch (XMLStreamException e) {
            var loc = e.getLocation();
            SourceLocation where = loc == null ? SourceLocation.ofFile(file) : new SourceLocation(file, loc.getLineNumber(), loc.getColumnNumber());
            problems.add(Problem.error(where, "malformed XML: " + cleanMessage(e) + ". Fix the XML syntax at this place"));
            return null;
        } finally {
            if (r != null) {
                try { r.closeCompletely(); } catch (XMLStreamException ignored) { /* the stream is the caller's */ }
            }
        }
    }

    private static SourceLocation at(String file, XMLStreamReader2 r) {
        var start = r.getLocationInfo().getStartLocation();
        return new SourceLocation(file, start.getLineNumber(), start.getColumnNumber());
    }

    /** Woodstox messages repeat the location on a second line; keep the first line only. */
    private static String cleanMessage(XMLStreamException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        if (m.startsWith("ParseError at")) {
            int i = m.indexOf("Message: ");
            if (i >= 0) m = m.substring(i + 9);
        }
        int nl = m.indexOf('\n');
        String first = (nl >= 0 ? m.substring(0, nl) : m).trim();
        while (first.endsWith(".")) first = first.substring(0, first.length() - 1);
        return first;
    }

    private static final class Building {
        final String ns;
        final String name;
        final Map<String, String> attrs;
        final SourceLocation where;
        final List<XmlElement> children = new ArrayList<>();
        final StringBuilder text = new StringBuilder();

        Building(String ns, String name, Map<String, String> attrs, SourceLocation where) {
            this.ns = ns;
            this.name = name;
            this.attrs = attrs;
            this.where = where;
        }
    }
}
