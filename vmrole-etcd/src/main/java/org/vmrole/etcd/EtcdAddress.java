package org.vmrole.etcd;

import io.etcd.jetcd.Client;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Where an etcd cluster's members listen, as given on the command line: {@code etcd://host1:2379,host2:2379,host3:2379}. */
public record EtcdAddress(List<URI> members) {
    private static final String SCHEME = "etcd://";
    private static final String EXAMPLE = "etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379";

    public EtcdAddress {
        members = List.copyOf(members);
        if (members.isEmpty()) throw new IllegalArgumentException("an etcd address needs at least one member, e.g. " + EXAMPLE);
    }

    /** Parses {@code etcd://host:port[,host:port...]}; the message of a refusal says what is wrong and shows the right form. */
    public static EtcdAddress parse(String url) {
        if (url == null || !url.startsWith(SCHEME)) {
            throw new IllegalArgumentException("'" + url + "' is not an etcd address; give etcd://HOST:PORT[,HOST:PORT...], e.g. " + EXAMPLE);
        }
        String rest = url.substring(SCHEME.length());
        if (rest.endsWith("/")) rest = rest.substring(0, rest.length() - 1);
        List<URI> members = new ArrayList<>();
        for (String member : rest.split(",", -1)) {
            int colon = member.lastIndexOf(':');
            String host = colon < 0 ? member : member.substring(0, colon);
            if (host.isEmpty() || host.contains("/") || host.contains("@")) {
                throw new IllegalArgumentException("etcd member '" + member + "' in '" + url + "' has no host name; give HOST:PORT, e.g. " + EXAMPLE);
            }
            int port;
            try {
                port = colon < 0 ? -1 : Integer.parseInt(member.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("etcd member '" + member + "' in '" + url + "' needs a port 1-65535 (etcd's client port, usually 2379), e.g. " + EXAMPLE);
            }
            members.add(URI.create("http://" + host + ":" + port));
        }
        return new EtcdAddress(members);
    }

    /**
     * A client whose calls give up soon on a cluster without quorum (the store bounds each call itself too); keepalive
     * pings find a dead member within seconds so calls go to the living ones.
     */
    public Client connect() {
        return Client.builder().endpoints(members.toArray(URI[]::new))
                .connectTimeout(Duration.ofSeconds(2))
                .retryMaxDuration(Duration.ofSeconds(2))
                .keepaliveTime(Duration.ofSeconds(2))
                .keepaliveTimeout(Duration.ofSeconds(2))
                .build();
    }

    @Override
    public String toString() {
        return SCHEME + String.join(",", members.stream().map(u -> u.getHost() + ":" + u.getPort()).toList());
    }
}
