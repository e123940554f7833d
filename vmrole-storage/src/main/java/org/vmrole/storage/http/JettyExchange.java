package org.vmrole.storage.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;

/** Adapts a Jetty core request and response to the storage services' own request source and response sink. */
final class JettyExchange {
    private JettyExchange() {
    }

    static StorageRequest.Source source(Request r) {
        return new StorageRequest.Source() {
            public String method() { return r.getMethod(); }

            public String header(String name) { return r.getHeaders().get(name); }

            public List<String> headerNames() { return List.copyOf(r.getHeaders().getFieldNamesCollection()); }

            public InputStream body() { return Content.Source.asInputStream(r); }

            public String remoteAddress() { return Request.getRemoteAddr(r); }

            public boolean secure() { return r.isSecure(); }
        };
    }

    static StorageResponse.Sink sink(Response r, ResponseStream body) {
        return new StorageResponse.Sink() {
            public void status(int status) { r.setStatus(status); }

            public int status() { return r.getStatus(); }

            public void header(String name, String value) { r.getHeaders().put(name, value); }

            public boolean hasHeader(String name) { return r.getHeaders().contains(name); }

            public Collection<String> headerNames() { return r.getHeaders().getFieldNamesCollection(); }

            public void contentLength(long n) { r.getHeaders().put(HttpHeader.CONTENT_LENGTH, n); }

            public void contentType(String type) { r.getHeaders().put(HttpHeader.CONTENT_TYPE, type); }

            public OutputStream body() { return body; }

            public boolean committed() { return r.isCommitted() || body.closed(); }
        };
    }
}
