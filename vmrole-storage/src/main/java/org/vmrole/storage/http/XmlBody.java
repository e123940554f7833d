package org.vmrole.storage.http;

import com.ctc.wstx.api.WstxInputProperties;
import com.ctc.wstx.stax.WstxInputFactory;
import org.vmrole.storage.StorageException;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Parses XML request bodies with StAX (Woodstox): character references, CDATA and namespaces are
 * understood; DTDs and external entities are refused, so no body can expand or reach a file.
 */
public final class XmlBody {
    private static final XMLInputFactory FACTORY = factory();

    private XmlBody() {}

    private static XMLInputFactory factory() {
        XMLInputFactory f = new WstxInputFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, true);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        f.setProperty(WstxInputProperties.P_MAX_ELEMENT_DEPTH, 32);
        f.setProperty(WstxInputProperties.P_LAZY_PARSING, false);
        // the SDKs send a message's \r unescaped; XML's line-end normalisation would turn it into \n
        f.setProperty(WstxInputProperties.P_NORMALIZE_LFS, false);
        return f;
    }

    /** Reads at most {@code maxBytes} of {@code in} and parses them; the root must be called {@code root}. */
    public static XmlElement read(InputStream in, int maxBytes, String root) {
        byte[] body;
        try {
            body = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw StorageException.badRequest("InvalidInput", "The request body could not be read.");
        }
        if (body.length > maxBytes) {
            throw new StorageException(413, "RequestBodyTooLarge", "The " + root + " document is larger than " + maxBytes + " bytes.");
        }
        return parse(body, root);
    }

    /** Parses a whole document; empty input is null (several Set operations accept an empty body). */
    public static XmlElement parse(byte[] body, String root) {
        if (isBlank(body)) return null;
        XmlElement doc = parse(body);
        if (!doc.name().equals(root)) {
            throw invalid("the root element is <" + doc.name() + ">, expected <" + root + ">");
        }
        return doc;
    }

    private static XmlElement parse(byte[] body) {
        XMLStreamReader x = null;
        try {
            x = FACTORY.createXMLStreamReader(new ByteArrayInputStream(body));
            Deque<Building> open = new ArrayDeque<>();
            XmlElement root = null;
            while (x.hasNext()) {
                switch (x.next()) {
                    case XMLStreamConstants.DTD -> throw invalid("document type declarations are not accepted");
                    case XMLStreamConstants.ENTITY_REFERENCE -> throw invalid("entity '" + x.getLocalName() + "' is not defined");
                    case XMLStreamConstants.START_ELEMENT -> open.push(new Building(x.getLocalName()));
                    case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                        if (!open.isEmpty()) open.peek().text.append(x.getText());
                    }
                    case XMLStreamConstants.END_ELEMENT -> {
                        Building b = open.pop();
                        XmlElement e = new XmlElement(b.name, b.text.toString(), List.copyOf(b.children));
                        if (open.isEmpty()) root = e;
                        else open.peek().children.add(e);
                    }
                    default -> { /* comments, processing instructions */ }
                }
            }
            if (root == null) throw invalid("no root element");
            return root;
        } catch (XMLStreamException | IllegalArgumentException e) {
            String where = e instanceof XMLStreamException s && s.getLocation() != null
                    ? " (line " + s.getLocation().getLineNumber() + ", column " + s.getLocation().getColumnNumber() + ")" : "";
            throw invalid(firstLine(e.getMessage()) + where);
        } finally {
            if (x != null) {
                try {
                    x.close();
                } catch (XMLStreamException ignored) {
                    // parsing already finished or failed; nothing left to release
                }
            }
        }
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        return true;
    }

    private static String firstLine(String s) {
        if (s == null) return "malformed XML";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    public static StorageException invalid(String why) {
        return StorageException.badRequest("InvalidXmlDocument", "XML specified is not syntactically valid: " + why + ".");
    }

    private static final class Building {
        final String name;
        final StringBuilder text = new StringBuilder();
        final List<XmlElement> children = new ArrayList<>();

        Building(String name) {
            this.name = name;
        }
    }
}
