package org.vmrole.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.vmrole.api.audit.AuditLog;
import org.vmrole.api.beta.BetaPrograms;
import org.vmrole.api.beta.BetaRoutes;
import org.vmrole.api.http.ApiServer;
import org.vmrole.api.http.Route;
import org.vmrole.api.tenancy.TenancyRoutes;
import org.vmrole.api.tenancy.Tenants;
import org.vmrole.fabric.store.Store;

/** Assembles the management API over one store: tenants, keys, beta programs, audit, and the routes that serve them. */
public final class ManagementApi implements AutoCloseable {
    private final Tenants tenants;
    private final BetaPrograms beta;
    private final ApiServer server;
    private final Optional<String> firstAdministratorKey;

    public ManagementApi(Store store, Clock clock, String givenAdminKey, List<Route> moreRoutes) {
        ObjectMapper json = json();
        AuditLog audit = new AuditLog(store, json);
        this.tenants = new Tenants(store, json, audit, clock);
        this.beta = new BetaPrograms(store, json, audit, clock);
        this.firstAdministratorKey = tenants.ensureAdministratorKey(givenAdminKey);
        beta.ensureVmRoleProgram();
        List<Route> routes = new ArrayList<>();
        routes.addAll(TenancyRoutes.of(tenants, audit));
        routes.addAll(BetaRoutes.of(beta));
        routes.addAll(moreRoutes);
        this.server = new ApiServer(json, tenants::authenticate, routes);
    }

    /** The JSON rules of the API: ISO-8601 times, and unknown fields refused so a typo is an error, not a silent default. */
    public static ObjectMapper json() {
        return new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public ManagementApi start(String host, int port) {
        server.start(host, port);
        return this;
    }

    /** The administrator key made on this first start; shown once, empty on later starts. */
    public Optional<String> firstAdministratorKey() { return firstAdministratorKey; }

    public Tenants tenants() { return tenants; }

    public BetaPrograms beta() { return beta; }

    public ApiServer server() { return server; }

    public int port() { return server.port(); }

    @Override
    public void close() { server.close(); }
}
