package org.vmrole.model;

/** The states of a role instance, with Azure's names. */
public enum RoleState {
    RoleStateUnknown, CreatingVM, StartingVM, StartingRole, ReadyRole, BusyRole, UnresponsiveRole,
    RestartingRole, CyclingRole, StoppingRole, StoppingVM, StoppedVM, DeletingVM, FailedStartingVM;

    /** True while a VM process may exist for the instance (it must be fenced before a copy starts elsewhere). */
    public boolean mayBeLive() {
        return switch (this) {
            case StoppedVM, FailedStartingVM, RoleStateUnknown -> false;
            default -> true;
        };
    }
}
