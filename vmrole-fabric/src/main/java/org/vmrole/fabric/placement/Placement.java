package org.vmrole.fabric.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Chooses hosts for instances: the fault domain holding the fewest instances of the same spread group among
 * those with a host that fits, then the host with the most free capacity in it. Deterministic: the same offers,
 * current spread and requests give the same decisions. Each decision costs a few tree operations per fault
 * domain, never a scan of all hosts.
 */
public final class Placement {
    /** Most free cores first, then memory, then disk, then host name; written out because it runs millions of times. */
    private static final Comparator<Slot> MOST_FREE_FIRST = (a, b) -> {
        if (a.cores != b.cores) return a.cores > b.cores ? -1 : 1;
        if (a.memoryMiB != b.memoryMiB) return a.memoryMiB > b.memoryMiB ? -1 : 1;
        if (a.diskGiB != b.diskGiB) return a.diskGiB > b.diskGiB ? -1 : 1;
        return a.host.compareTo(b.host);
    };

    private final int[] domainLabels;
    private final List<TreeSet<Slot>> byDomain = new ArrayList<>();
    private final long[] freeCoresByDomain;
    private final Map<String, Slot> slots = new HashMap<>();
    private final Map<String, int[]> spread = new HashMap<>();
    private final Map<Object, String> knownShortfalls = new HashMap<>();

    /**
     * @param offers the hosts that take new instances
     * @param placedByGroup for each spread group, how many of its instances already run in each fault domain
     */
    public Placement(List<HostOffer> offers, Map<String, Map<Integer, Integer>> placedByGroup) {
        TreeMap<Integer, List<HostOffer>> domains = new TreeMap<>();
        for (HostOffer o : offers) domains.computeIfAbsent(o.faultDomain(), k -> new ArrayList<>()).add(o);
        domainLabels = domains.keySet().stream().mapToInt(Integer::intValue).toArray();
        freeCoresByDomain = new long[domainLabels.length];
        int index = 0;
        for (List<HostOffer> hosts : domains.values()) {
            TreeSet<Slot> set = new TreeSet<>(MOST_FREE_FIRST);
            for (HostOffer o : hosts) {
                Slot s = new Slot(o.host(), index, o.free());
                set.add(s);
                slots.put(o.host(), s);
                freeCoresByDomain[index] += s.cores;
            }
            byDomain.add(set);
            index++;
        }
        placedByGroup.forEach((group, counts) -> {
            int[] perDomain = new int[domainLabels.length];
            counts.forEach((label, n) -> {
                int i = java.util.Arrays.binarySearch(domainLabels, label);
                if (i >= 0) perDomain[i] += n;
            });
            spread.put(group, perDomain);
        });
    }

    /** Places the requests in order, each seeing the capacity the ones before it took. */
    public List<PlacementDecision> place(List<PlacementRequest> requests) {
        List<PlacementDecision> out = new ArrayList<>(requests.size());
        for (PlacementRequest r : requests) out.add(place(r));
        return out;
    }

    /** Places one request and takes its capacity. */
    public PlacementDecision place(PlacementRequest request) {
        var size = request.size();
        Object shortfallKey = request.avoidHost() == null ? size : null;
        String known = shortfallKey == null ? null : knownShortfalls.get(shortfallKey);
        if (known != null) return new PlacementDecision(request.instanceKey(), null, -1, known);

        int[] counts = spread.computeIfAbsent(request.spreadGroup(), g -> new int[domainLabels.length]);
        Slot best = null;
        int bestDomain = -1;
        for (int d = 0; d < domainLabels.length; d++) {
            if (bestDomain >= 0 && !fewer(counts, d, bestDomain)) continue;
            Slot s = firstFit(byDomain.get(d), size, request.avoidHost());
            if (s != null) {
                best = s;
                bestDomain = d;
            }
        }
        if (best == null) {
            String reason = shortfall(request);
            if (shortfallKey != null) knownShortfalls.put(shortfallKey, reason);
            return new PlacementDecision(request.instanceKey(), null, -1, reason);
        }
        TreeSet<Slot> set = byDomain.get(bestDomain);
        set.remove(best);
        best.take(size);
        set.add(best);
        freeCoresByDomain[bestDomain] -= size.cores();
        counts[bestDomain]++;
        return new PlacementDecision(request.instanceKey(), best.host, domainLabels[bestDomain], null);
    }

    /** Gives back what {@code decision} took for {@code request}: a trial placement the caller decided not to use. */
    public void release(PlacementRequest request, PlacementDecision decision) {
        if (!decision.placed()) return;
        Slot s = slots.get(decision.host());
        TreeSet<Slot> set = byDomain.get(s.domain);
        set.remove(s);
        s.give(request.size());
        set.add(s);
        freeCoresByDomain[s.domain] += request.size().cores();
        spread.get(request.spreadGroup())[s.domain]--;
    }

    /** Domain {@code d} beats {@code current}: fewer of the group there, then more free cores, then the lower label. */
    private boolean fewer(int[] counts, int d, int current) {
        if (counts[d] != counts[current]) return counts[d] < counts[current];
        return freeCoresByDomain[d] > freeCoresByDomain[current];
    }

    private static Slot firstFit(TreeSet<Slot> set, org.vmrole.model.VmSize size, String avoid) {
        for (Slot s : set) {
            if (s.cores < size.cores()) return null;
            if (s.memoryMiB >= size.memoryMiB() && s.diskGiB >= size.localDiskGiB() && !s.host.equals(avoid)) return s;
        }
        return null;
    }

    private String shortfall(PlacementRequest request) {
        var size = request.size();
        String needs = "needs " + size.describe() + ", " + size.localDiskGiB() + " GiB disk";
        if (slots.isEmpty()) return needs + "; no host is up";
        Slot most = null;
        for (TreeSet<Slot> set : byDomain) {
            for (Slot s : set) {
                if (s.host.equals(request.avoidHost())) continue;
                if (most == null || MOST_FREE_FIRST.compare(s, most) < 0) most = s;
                break;
            }
        }
        if (most == null) return needs + "; no host other than " + request.avoidHost() + " is up";
        if (most.cores < size.cores()) {
            return "needs " + FreeCapacity.plural(size.cores(), "core") + ", largest free host has " + most.cores;
        }
        int memory = 0;
        int disk = 0;
        for (Slot s : slots.values()) {
            if (s.host.equals(request.avoidHost()) || s.cores < size.cores()) continue;
            memory = Math.max(memory, s.memoryMiB);
            disk = Math.max(disk, s.diskGiB);
        }
        if (memory < size.memoryMiB()) return "needs " + size.memoryMiB() + " MiB memory, largest free host with the cores has " + memory + " MiB";
        if (disk < size.localDiskGiB()) return "needs " + size.localDiskGiB() + " GiB local disk, largest free host with the cores has " + disk + " GiB";
        return needs + "; no single host has all of it free";
    }

    /** A host's free capacity while placing; mutated only outside its tree. */
    private static final class Slot {
        final String host;
        final int domain;
        int cores;
        int memoryMiB;
        int diskGiB;

        Slot(String host, int domain, FreeCapacity free) {
            this.host = host;
            this.domain = domain;
            this.cores = free.cores();
            this.memoryMiB = free.memoryMiB();
            this.diskGiB = free.diskGiB();
        }

        void take(org.vmrole.model.VmSize size) {
            cores -= size.cores();
            memoryMiB -= size.memoryMiB();
            diskGiB -= size.localDiskGiB();
        }

        void give(org.vmrole.model.VmSize size) {
            cores += size.cores();
            memoryMiB += size.memoryMiB();
            diskGiB += size.localDiskGiB();
        }
    }
}
