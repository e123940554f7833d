package org.vmrole.api.storage;

import static io.javalin.http.HandlerType.DELETE;
import static io.javalin.http.HandlerType.GET;
import static io.javalin.http.HandlerType.POST;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import org.vmrole.api.ApiException;
import org.vmrole.api.auth.Principal;
import org.vmrole.api.http.Access;
import org.vmrole.api.http.Route;
import org.vmrole.api.tenancy.Tenants;

/** Routes for a subscription's storage accounts: create, list, show, keys, regenerate a key, delete. */
public final class StorageAccountRoutes {
    private static final String ACCOUNT = "/storage-accounts/{account}";

    private StorageAccountRoutes() {}

    record NewAccount(String name) {}

    record WhichKey(String key) {}

    public static List<Route> of(StorageAccounts accounts, Tenants tenants, StorageAccounts.AccountUse use) {
        return List.of(
                Route.taking(POST, "/storage-accounts", Access.TENANT, "Create a storage account (its keys and connection string are in the answer)", 201,
                        NewAccount.class, false, (ctx, who, body) -> {
                            if (body.name() == null) throw ApiException.badRequest("MissingField", "give the account's 'name'", "name");
                            ctx.status(201).json(accounts.create(who, sub(tenants, ctx, who), body.name()));
                        }).answering(StorageAccountKeys.class),
                new Route(GET, "/storage-accounts", Access.TENANT, "List the subscription's storage accounts (no keys)", 200,
                        (ctx, who) -> ctx.json(Map.of("accounts", accounts.list(sub(tenants, ctx, who))))).answeringList("accounts", StorageAccountView.class),
                new Route(GET, ACCOUNT, Access.TENANT, "Show a storage account (no keys)", 200,
                        (ctx, who) -> ctx.json(accounts.show(sub(tenants, ctx, who), ctx.pathParam("account")))).answering(StorageAccountView.class),
                new Route(GET, ACCOUNT + "/keys", Access.TENANT, "A storage account's two keys and connection string", 200,
                        (ctx, who) -> ctx.json(accounts.keys(sub(tenants, ctx, who), ctx.pathParam("account")))).answering(StorageAccountKeys.class),
                Route.taking(POST, ACCOUNT + "/regenerate-key", Access.TENANT, "Replace the primary or secondary key; the old one stops working at once", 200,
                        WhichKey.class, true, (ctx, who, body) -> ctx.json(accounts.regenerateKey(who, sub(tenants, ctx, who), ctx.pathParam("account"),
                                body == null ? null : body.key()))).answering(StorageAccountKeys.class),
                new Route(DELETE, ACCOUNT, Access.TENANT, "Delete a storage account and everything in it", 204, (ctx, who) -> {
                    accounts.delete(who, sub(tenants, ctx, who), ctx.pathParam("account"), use);
                    ctx.status(204);
                }));
    }

    private static String sub(Tenants tenants, Context ctx, Principal who) {
        return tenants.actingFor(who, ctx.queryParam("subscription"));
    }
}
