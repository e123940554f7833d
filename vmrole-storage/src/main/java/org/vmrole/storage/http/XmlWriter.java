package org.vmrole.storage.http;

import com.ctc.wstx.api.InvalidCharHandler;
import com.ctc.wstx.api.WstxOutputProperties;
import com.ctc.wstx.stax.WstxOutputFactory;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;

/**
 * Writes a response body with StAX (Woodstox): markup is escaped, and characters XML 1.0 cannot
 * carry become U+FFFD instead of a document no parser accepts.
 */
public final class XmlWriter {
    private static final XMLOutputFactory FACTORY = factory();

    private final StringWriter out = new StringWriter(256);
    private final XMLStreamWriter x;

    private static XMLOutputFactory factory() {
        XMLOutputFactory f = new WstxOutputFactory();
        // \r goes out literally, as Azure and Azurite write it: the JavaScript SDK's parser does not decode &#13;
        f.setProperty(WstxOutputProperties.P_OUTPUT_ESCAPE_CR, false);
        f.setProperty(WstxOutputProperties.P_OUTPUT_INVALID_CHAR_HANDLER, new InvalidCharHandler.ReplacingHandler('\uFFFD'));
        f.setProperty(WstxOutputProperties.P_OUTPUT_VALIDATE_STRUCTURE, false);
        return f;
    }

    private XmlWriter() {
        try {
            x = FACTORY.createXMLStreamWriter(out);
            x.writeStartDocument("utf-8", "1.0");
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new document with its XML declaration written. */
    public static XmlWriter document() { return new XmlWriter(); }

    public XmlWriter start(String name) {
        try {
            x.writeStartElement(name);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public XmlWriter attribute(String name, String value) {
        try {
            x.writeAttribute(name, value);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public XmlWriter text(String text) {
        try {
            if (text != null) x.writeCharacters(text);
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public XmlWriter end() {
        try {
            x.writeEndElement();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    /** {@code <name>text</name>}; an empty element for null text. */
    public XmlWriter element(String name, Object text) {
        return start(name).text(text == null ? null : text.toString()).end();
    }

    /** {@code <name>text</name>} only when text is not null. */
    public XmlWriter optional(String name, Object text) {
        return text == null ? this : element(name, text);
    }

    /** Writes a parsed element and everything under it. */
    public XmlWriter tree(XmlElement e) {
        start(e.name());
        if (e.children().isEmpty()) text(e.text());
        e.children().forEach(this::tree);
        return end();
    }

    /** Closes open elements and returns the document. */
    public String finish() {
        try {
            x.writeEndDocument();
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }
}
