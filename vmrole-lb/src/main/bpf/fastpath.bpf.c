// SPDX-License-Identifier: GPL-2.0
/*
 * The balancer's kernel fast path: what an nftables flowtable does for established connections, for kernels without
 * nf_flow_table. Attached at the ingress of an interface that carries forwarded traffic (tc clsact). A TCP packet of a
 * connection that connection tracking already holds as confirmed, established and address-translated (the balancer's
 * nftables DNAT and SNAT made it so on its first packets) is rewritten to the other direction's tuple, as NAT would,
 * and sent straight out of the interface towards its next hop: it skips the bridge/route input, netfilter's hooks,
 * connection tracking and NAT of the slow path. Everything else (SYN, FIN, RST, other protocols, connections that are
 * not ours, a next hop without a neighbour entry) goes on through the normal stack, so nftables still decides every
 * new connection and sees every connection's end.
 *
 * Whatever it does not forward it leaves with TC_ACT_UNSPEC, so the next filter on the interface (another balancer's
 * program, say) still sees the packet; with none, the packet goes on as if there were no filter.
 *
 * Only connections whose original destination is in the "endpoints" map are taken: the balancer fills it with its
 * kernel-forwarded endpoints, so other NATed connections on the machine (a firewall's, a container runtime's) keep
 * their netfilter rules.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

/*
 * The parts of the kernel's structures that are read, relocated at load time against the running kernel's BTF (CO-RE,
 * preserve_access_index), so no vmlinux.h of one kernel is needed to build this.
 */
union nf_inet_addr___fp {
	__u32 all[4];
	__be32 ip;
} __attribute__((preserve_access_index));

struct nf_conntrack_man___fp {
	union nf_inet_addr___fp u3;
	union {
		__be16 all;
	} u;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple___fp {
	struct nf_conntrack_man___fp src;
	struct {
		union nf_inet_addr___fp u3;
		union {
			__be16 all;
		} u;
		__u8 protonum;
	} dst;
} __attribute__((preserve_access_index));

struct nf_conntrack_tuple_hash___fp {
	struct nf_conntrack_tuple___fp tuple;
} __attribute__((preserve_access_index));

struct ip_ct_tcp___fp {
	__u8 state;
} __attribute__((preserve_access_index));

union nf_conntrack_proto___fp {
	struct ip_ct_tcp___fp tcp;
} __attribute__((preserve_access_index));

struct nf_conn___fp {
	__u32 timeout;
	struct nf_conntrack_tuple_hash___fp tuplehash[2];
	unsigned long status;
	union nf_conntrack_proto___fp proto;
} __attribute__((preserve_access_index));


/* 16 bytes since the zone fields came (6.12); 12 before: the size passed is the running kernel's (CO-RE) */
struct bpf_ct_opts___fp {
	__s32 netns_id;
	__s32 error;
	__u8 l4proto;
	__u8 dir;
	__u16 ct_zone_id;
	__u8 ct_zone_dir;
	__u8 reserved[3];
};

/* declared with the local flavour of nf_conn: libbpf matches a kfunc's arguments by kind (a struct), not by name */
extern struct nf_conn___fp *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple, __u32 tuple_size,
					 struct bpf_ct_opts___fp *opts, __u32 opts_size) __ksym;
extern void bpf_ct_release(struct nf_conn___fp *ct) __ksym;
extern int bpf_ct_change_timeout(struct nf_conn___fp *ct, __u32 timeout_ms) __ksym;

/* From include/uapi/linux/netfilter/nf_conntrack_common.h and nf_conntrack_tcp.h: a stable ABI. */
#define IPS_CONFIRMED (1UL << 3)
#define IPS_SRC_NAT_DONE (1UL << 7)
#define IPS_DST_NAT_DONE (1UL << 8)
#define IPS_DYING (1UL << 9)
#define IPS_FIXED_TIMEOUT (1UL << 10)
#define TCP_CONNTRACK_ESTABLISHED 3
#define IP_CT_DIR_ORIGINAL 0

/* The established timeout the fast path keeps a connection's entry at: the kernel's default (5 days). */
#define ESTABLISHED_TIMEOUT_MS (5U * 24 * 3600 * 1000)

struct endpoint {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct endpoint);
	__type(value, __u8);
} endpoints SEC(".maps");

/*
 * The endpoints' addresses: both directions of a balanced connection are addressed to one of them (the client's
 * packets to the endpoint, the backend's to the balancer's address it was translated to), so any other packet (a VM's
 * traffic this machine routes, say) is left alone before the connection tracking lookup, the costly step.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __be32);
	__type(value, __u8);
} addresses SEC(".maps");

/*
 * What one refresh gives in jiffies (ESTABLISHED_TIMEOUT_MS at the kernel's HZ), learnt from the first refresh: the
 * entry is refreshed only once it lost 1/64 of that (under 2 hours of 5 days), so a connection's packets do not all
 * write to its shared entry.
 */
__u64 full_timeout_jiffies;

/* Counters, read with bpftool to see what the fast path did: 0 forwarded, 1 to the stack, 2 refreshes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&stats, &what);
	if (n)
		(*n)++;
}

#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))
#define IP_TTL_OFF (ETH_HLEN + offsetof(struct iphdr, ttl))
#define IP_SRC_OFF (ETH_HLEN + offsetof(struct iphdr, saddr))
#define IP_DST_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))
#define TCP_OFF (ETH_HLEN + sizeof(struct iphdr))
#define TCP_CSUM_OFF (TCP_OFF + offsetof(struct tcphdr, check))
#define TCP_SPORT_OFF (TCP_OFF + offsetof(struct tcphdr, source))
#define TCP_DPORT_OFF (TCP_OFF + offsetof(struct tcphdr, dest))

static __always_inline int slow(void)
{
	count(1);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int fastpath(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + ETH_HLEN;
	struct tcphdr *tcp = data + TCP_OFF;

	if ((void *)(tcp + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	/* options or fragments: the offsets above would be wrong; the stack handles them */
	if (ip->ihl != 5 || ip->protocol != IPPROTO_TCP || (ip->frag_off & bpf_htons(0x3fff)) || ip->ttl <= 1)
		return TC_ACT_UNSPEC;
	if (!bpf_map_lookup_elem(&addresses, &ip->daddr))
		return TC_ACT_UNSPEC;
	/* a connection's beginning and end go through connection tracking, which must see them */
	if (tcp->syn || tcp->fin || tcp->rst)
		return slow();

	struct bpf_sock_tuple tuple = {};
	tuple.ipv4.saddr = ip->saddr;
	tuple.ipv4.daddr = ip->daddr;
	tuple.ipv4.sport = tcp->source;
	tuple.ipv4.dport = tcp->dest;
	struct bpf_ct_opts___fp opts = { .netns_id = -1 /* BPF_F_CURRENT_NETNS */, .l4proto = IPPROTO_TCP };
	struct nf_conn___fp *ct = bpf_skb_ct_lookup(skb, &tuple, sizeof(tuple.ipv4), &opts,
						    bpf_core_type_size(struct bpf_ct_opts___fp));
	if (!ct)
		return slow();
	unsigned long status = ct->status;
	int verdict = TC_ACT_UNSPEC;
	if (!(status & IPS_CONFIRMED) || (status & IPS_DYING) || !(status & (IPS_SRC_NAT_DONE | IPS_DST_NAT_DONE))
	    || ct->proto.tcp.state != TCP_CONNTRACK_ESTABLISHED) {
		count(1);
		goto out;
	}
	struct endpoint ep = {
		.addr = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u3.ip,
		.port = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.dst.u.all,
	};
	if (!bpf_map_lookup_elem(&endpoints, &ep)) {
		count(1);
		goto out;
	}
	/* the packet leaves with the inverse of the other direction's tuple, as NAT would rewrite it */
	/* constant indices only: CO-RE relocates those with the kernel's element size, a variable one would use ours */
	__be32 saddr, daddr;
	__be16 sport, dport;
	if (opts.dir == IP_CT_DIR_ORIGINAL) {
		saddr = ct->tuplehash[1].tuple.dst.u3.ip;
		daddr = ct->tuplehash[1].tuple.src.u3.ip;
		sport = ct->tuplehash[1].tuple.dst.u.all;
		dport = ct->tuplehash[1].tuple.src.u.all;
	} else {
		saddr = ct->tuplehash[0].tuple.dst.u3.ip;
		daddr = ct->tuplehash[0].tuple.src.u3.ip;
		sport = ct->tuplehash[0].tuple.dst.u.all;
		dport = ct->tuplehash[0].tuple.src.u.all;
	}

	struct bpf_fib_lookup fib = {
		.family = 2 /* AF_INET */,
		.l4_protocol = IPPROTO_TCP,
		.sport = sport,
		.dport = dport,
		/* no tot_len: the kernel then checks the skb itself against the MTU, a GSO one by its segments */
		.ipv4_src = saddr,
		.ipv4_dst = daddr,
		.ifindex = skb->ingress_ifindex,
	};
	/* forwarding off on the interface, a local destination, no neighbour entry yet, MTU: the stack decides */
	if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS) {
		count(1);
		goto out;
	}

	/* connection tracking does not see these packets: keep the entry from expiring under a busy connection */
	if (!(status & IPS_FIXED_TIMEOUT)) {
		__u32 now = (__u32)bpf_jiffies64();
		__u64 full = full_timeout_jiffies;
		__s32 left = (__s32)(ct->timeout - now);
		/*
		 * Under a minute left (of 5 days): connection tracking cut it short itself (an RST it let through with a
		 * sequence number it could not check keeps the entry ESTABLISHED for 10 s, for a challenge ACK), or it sat
		 * idle under a short timeout. Refreshing would keep a dead connection's entry for days and hold up a drain:
		 * the packet goes through connection tracking, which decides.
		 */
		if (full != 0 && left < (__s64)(full / 7200)) {
			count(1);
			goto out;
		}
		if (full == 0 || left < (__s64)(full - full / 64)) {
			bpf_ct_change_timeout(ct, ESTABLISHED_TIMEOUT_MS);
			/* read again after the call, which changed it */
			if (full == 0)
				full_timeout_jiffies = (__u32)(*(volatile __u32 *)&ct->timeout - now);
			count(2);
		}
	}

	__u8 old_ttl = ip->ttl;
	__be32 old_saddr = ip->saddr, old_daddr = ip->daddr;
	__be16 old_sport = tcp->source, old_dport = tcp->dest;
	bpf_ct_release(ct);

	/* TTL: the checksum covers it as the high byte of a 16-bit word */
	bpf_l3_csum_replace(skb, IP_CSUM_OFF, bpf_htons(old_ttl << 8), bpf_htons((old_ttl - 1) << 8), 2);
	__u8 ttl = old_ttl - 1;
	bpf_skb_store_bytes(skb, IP_TTL_OFF, &ttl, 1, 0);
	if (old_saddr != saddr) {
		bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_saddr, saddr, BPF_F_PSEUDO_HDR | 4);
		bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_saddr, saddr, 4);
		bpf_skb_store_bytes(skb, IP_SRC_OFF, &saddr, 4, 0);
	}
	if (old_daddr != daddr) {
		bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_daddr, daddr, BPF_F_PSEUDO_HDR | 4);
		bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_daddr, daddr, 4);
		bpf_skb_store_bytes(skb, IP_DST_OFF, &daddr, 4, 0);
	}
	if (old_sport != sport) {
		bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_sport, sport, 2);
		bpf_skb_store_bytes(skb, TCP_SPORT_OFF, &sport, 2, 0);
	}
	if (old_dport != dport) {
		bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_dport, dport, 2);
		bpf_skb_store_bytes(skb, TCP_DPORT_OFF, &dport, 2, 0);
	}
	bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_dest), fib.dmac, ETH_ALEN, 0);
	bpf_skb_store_bytes(skb, offsetof(struct ethhdr, h_source), fib.smac, ETH_ALEN, 0);
	count(0);
	return bpf_redirect(fib.ifindex, 0);
out:
	bpf_ct_release(ct);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
