package org.vmrole.fabric.model;

/** How an upgrade walks update domains: all of them in turn ({@code Auto}), or one per explicit walk request ({@code Manual}). */
public enum UpgradeMode { Auto, Manual }
