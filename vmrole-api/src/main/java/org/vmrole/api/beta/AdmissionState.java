package org.vmrole.api.beta;

/** Where a subscription's request to join a beta program stands. */
public enum AdmissionState { Pending, Approved, Denied }
