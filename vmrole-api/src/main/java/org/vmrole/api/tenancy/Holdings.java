package org.vmrole.api.tenancy;

import java.util.List;
import org.vmrole.fabric.store.Write;

/** What a subscription owns elsewhere in the platform, asked when it is deleted. */
public interface Holdings {
    /** What keeps the subscription from being deleted (services, deployments still running, images, uploads), by name. */
    List<String> held(String subscriptionId);

    /** The writes that remove its bookkeeping (beta requests, operation and upload ownership, quota ledger) with it. */
    List<Write> leftovers(String subscriptionId);
}
