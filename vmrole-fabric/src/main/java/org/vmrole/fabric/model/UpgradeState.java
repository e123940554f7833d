package org.vmrole.fabric.model;

/** Where an upgrade stands: between domains ({@code Waiting}), one domain in flight ({@code Walking}), or stopped ({@code Failed}). */
public enum UpgradeState { Waiting, Walking, Failed }
