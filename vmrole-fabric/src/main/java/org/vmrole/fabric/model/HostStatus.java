package org.vmrole.fabric.model;

/** Whether a host takes instances: Up, Down (heartbeats stopped; its instances move), Draining (keeps its instances, takes no new ones). */
public enum HostStatus { Up, Down, Draining }
