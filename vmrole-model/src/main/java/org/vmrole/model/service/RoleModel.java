package org.vmrole.model.service;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmrole.model.VmSize;
import org.vmrole.model.host.EndpointBinding;
import org.vmrole.model.host.InternalBinding;
import org.vmrole.model.host.LocalDisk;

/**
 * One VM role: its definition (size, endpoints, declared setting names, local storage) merged with its
 * configuration (instance count, image, setting values). {@code image} is the {@code OsImage href}
 * (an image name or {@code sha256:<hex>}); it is empty when the configuration gives none. {@code userData} is the
 * role's own cloud-init user-data ({@code <UserData>} in the configuration, empty when none), delivered on the config
 * drive beside the platform's. {@code drives} are the page-blob drives its configuration binds ({@code <Drives>}).
 */
public record RoleModel(
        String name,
        VmSize size,
        int instanceCount,
        String image,
        List<InputEndpoint> inputEndpoints,
        List<InternalEndpoint> internalEndpoints,
        List<String> settingNames,
        Map<String, String> settingValues,
        List<LocalStorage> localStorage,
        String userData,
        List<DriveBinding> drives) {

    /** A role without drives. */
    public RoleModel(String name, VmSize size, int instanceCount, String image, List<InputEndpoint> inputEndpoints,
                     List<InternalEndpoint> internalEndpoints, List<String> settingNames, Map<String, String> settingValues,
                     List<LocalStorage> localStorage, String userData) {
        this(name, size, instanceCount, image, inputEndpoints, internalEndpoints, settingNames, settingValues, localStorage, userData, List.of());
    }

    /** A role without user-data of its own. */
    public RoleModel(String name, VmSize size, int instanceCount, String image, List<InputEndpoint> inputEndpoints,
                     List<InternalEndpoint> internalEndpoints, List<String> settingNames, Map<String, String> settingValues,
                     List<LocalStorage> localStorage) {
        this(name, size, instanceCount, image, inputEndpoints, internalEndpoints, settingNames, settingValues, localStorage, "");
    }

    public RoleModel {
        if (userData == null) userData = "";
        if (name == null || size == null || image == null) throw new IllegalArgumentException("role needs a name, a size and an image (maybe empty)");
        inputEndpoints = List.copyOf(inputEndpoints);
        internalEndpoints = List.copyOf(internalEndpoints);
        settingNames = List.copyOf(settingNames);
        settingValues = Map.copyOf(settingValues);
        localStorage = List.copyOf(localStorage);
        drives = drives == null ? List.of() : List.copyOf(drives);
    }

    /** The settings an instance receives: every declared name with its configured value (in declaration order). */
    public Map<String, String> settingsForInstance() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String s : settingNames) {
            String v = settingValues.get(s);
            if (v != null) out.put(s, v);
        }
        return out;
    }

    /** Input endpoints as a host binds them: guest port is the local port; host port 0 lets the host pick one. */
    public List<EndpointBinding> inputBindings() {
        List<EndpointBinding> out = new ArrayList<>();
        for (InputEndpoint e : inputEndpoints) out.add(new EndpointBinding(e.name(), e.protocol().wireName(), e.localPort(), 0));
        return out;
    }

    /** Internal endpoints: reached only on the deployment's private network, never forwarded from the host. */
    public List<InternalBinding> internalBindings() {
        return internalEndpoints.stream().map(e -> new InternalBinding(e.name(), e.protocol().wireName(), e.port())).toList();
    }

    /** The scratch disks a host attaches to each instance. */
    public List<LocalDisk> localDisks() {
        return localStorage.stream().map(LocalStorage::toLocalDisk).toList();
    }
}
