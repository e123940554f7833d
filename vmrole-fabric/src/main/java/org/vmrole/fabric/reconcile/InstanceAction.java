package org.vmrole.fabric.reconcile;

import org.vmrole.fabric.model.RoleInstance;

/** A decision about one instance; {@link #instance()} is its record as it should be stored afterwards. */
public sealed interface InstanceAction extends Action
        permits StartInstance, StopInstance, RemoveInstance, ReimageInstance, RebootInstance, RelocateInstance,
                BackOffInstance, WaitForCapacity, RecordRecovery, HandOver {
    RoleInstance instance();
}
