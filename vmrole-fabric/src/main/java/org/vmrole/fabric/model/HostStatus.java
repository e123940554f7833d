package org.vmrole.fabric.model;

/** Whether a host takes instances: Up, Down (heartbeats stopped; its instances move), Draining (takes no new instances; its instances move away one per role at a time). */
public enum HostStatus { Up, Down, Draining }
