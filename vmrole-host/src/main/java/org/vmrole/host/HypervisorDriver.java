package org.vmrole.host;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.vmrole.model.host.Assignment;
import org.vmrole.model.host.ObservedInstance;

/**
 * Runs the VMs of role instances on one machine: the seam between the host agent and a hypervisor.
 *
 * <p>Instances are named by {@link Assignment#key()}. Every method is safe to call from several threads.
 * A VM the driver stops or kills is forgotten with its overlay; a VM that dies on its own stays visible
 * as {@code StoppedVM} with its cause until it is stopped, restarted or reimaged.
 */
public interface HypervisorDriver extends AutoCloseable {

    /**
     * Boots a VM for the assignment from a fresh overlay on its base image.
     *
     * @throws VmStartException when the input is bad or the hypervisor refuses; nothing is left behind
     */
    void start(Assignment assignment);

    /** Graceful stop: asks the guest agent, then ACPI power-down, then ends the process; the VM is forgotten. */
    void stop(String key);

    /** Hard stop: ends the VM at once; the VM is forgotten. */
    void kill(String key);

    /** Resets the VM in place; its overlay and local disks are kept. */
    void reboot(String key, long rebootGeneration);

    /**
     * Ends the VM and boots it again from a fresh overlay: every write since the base image is lost.
     * The assignment carries the new incarnation.
     */
    void reimage(Assignment assignment);

    /**
     * Gives a running VM new setting values (same incarnation): the guest agent hears {@code changing}, then
     * {@code changed}; a guest that answers {@code change-ack} with {@code restart: true} is reset instead and reads
     * the new values at its next {@code hello}. A guest that does not answer takes the change live.
     */
    void changeSettings(Assignment assignment);

    /** Takes the current storage account keys from the controller's assignments for drives already attached; nothing else changes. */
    default void credentials(List<Assignment> desired) {
    }

    /** The UNIX socket of a held VM's private-network NIC, when its deployment has a private network and the hypervisor gives one. */
    Optional<java.nio.file.Path> networkSocket(String key);

    /** The current observation of every VM the driver holds. */
    List<ObservedInstance> observe();

    /** The current observation of one VM, if the driver holds it. */
    Optional<ObservedInstance> observe(String key);

    /** The assignment a VM was started with, if the driver holds it. */
    Optional<Assignment> assignment(String key);

    /**
     * Finds VMs left running by an earlier process of this driver (same data directory) and watches them
     * again. Leftovers that are no longer running are cleaned up.
     *
     * @return the assignments of the VMs now held again
     */
    List<Assignment> recover();

    /** Calls the listener with every change of an observation (state or cause), from a driver thread. */
    void addListener(Consumer<ObservedInstance> listener);

    /** Stops watching; running VMs are left running so that a later driver can {@link #recover()} them. */
    @Override
    void close();
}
