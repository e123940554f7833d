package org.vmrole.lb;

/** A hosted service's two deployment slots. */
public enum Slot {
    PRODUCTION,
    STAGING
}
