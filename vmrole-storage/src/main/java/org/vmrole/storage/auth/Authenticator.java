package org.vmrole.storage.auth;

import org.vmrole.storage.AccountDirectory;
import org.vmrole.storage.StorageAccount;
import org.vmrole.storage.StorageException;
import org.vmrole.storage.http.Service;
import org.vmrole.storage.http.StorageRequest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Decides who sent a request: SharedKey, SharedKeyLite, a SAS token, or nobody. */
public final class Authenticator {
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(15);

    private final AccountDirectory accounts;
    private final Clock clock;
    private final StoredPolicies policies;

    public Authenticator(AccountDirectory accounts, Clock clock, StoredPolicies policies) {
        this.accounts = accounts;
        this.clock = clock;
        this.policies = policies;
    }

    public Access authenticate(StorageRequest r) {
        // one snapshot per request: keys regenerated meanwhile count from the next request on
        AccountDirectory.Entry account = accounts.find(r.account()).orElse(null);
        String auth = r.header("Authorization");
        if (auth != null) return sharedKey(r, account, auth);
        if (r.param("sig") != null) return sas(r, account);
        return Access.anonymous();
    }

    private Access sharedKey(StorageRequest r, AccountDirectory.Entry account, String auth) {
        int space = auth.indexOf(' ');
        int colon = auth.lastIndexOf(':');
        if (space < 0 || colon < space) throw StorageException.authFailed("The Authorization header is malformed.");
        String scheme = auth.substring(0, space);
        String name = auth.substring(space + 1, colon);
        String signature = auth.substring(colon + 1);
        if (account == null || !account.account().name().equals(name)) {
            throw StorageException.authFailed("The account in the Authorization header does not match the request.");
        }
        checkDate(r);
        String toSign = switch (scheme) {
            case "SharedKey" -> r.service() == Service.TABLE ? SharedKeyStrings.tableSharedKey(r) : SharedKeyStrings.sharedKey(r);
            case "SharedKeyLite" -> r.service() == Service.TABLE ? SharedKeyStrings.tableSharedKeyLite(r) : SharedKeyStrings.sharedKeyLite(r);
            default -> throw new StorageException(403, "InvalidAuthenticationInfo", "Authentication information is not given in the correct format. Scheme " + scheme + " is not supported.");
        };
        if (!Hmac.matchesAny(account.keys(), toSign, signature)) {
            throw StorageException.authFailed("The MAC signature found in the HTTP request is not the same as any computed signature.");
        }
        return Access.accountKey();
    }

    /** The last date header parsed: clients send the same second many times, and parsing it is not cheap. */
    private volatile Map.Entry<String, Instant> lastDate = Map.entry("", Instant.EPOCH);

    private Instant parseDate(String header) {
        Map.Entry<String, Instant> last = lastDate;
        if (last.getKey().equals(header)) return last.getValue();
        Instant t = ZonedDateTime.parse(header, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        lastDate = Map.entry(header, t);
        return t;
    }

    private void checkDate(StorageRequest r) {
        String d = r.header("x-ms-date");
        if (d == null) d = r.header("Date");
        if (d == null) throw StorageException.authFailed("Request date header not specified.");
        try {
            Instant t = parseDate(d);
            if (Duration.between(t, clock.instant()).abs().compareTo(CLOCK_SKEW) > 0) {
                throw StorageException.authFailed("Request date header too old or in the future: " + d);
            }
        } catch (DateTimeParseException e) {
            throw StorageException.authFailed("The date header is not a valid RFC 1123 date: " + d);
        }
    }

    private Access sas(StorageRequest r, AccountDirectory.Entry entry) {
        if (entry == null) throw StorageException.authFailed("Unknown account.");
        StorageAccount account = entry.account();
        String sv = required(r, "sv");
        String sig = r.param("sig");
        String sp = r.param("sp");
        String st = r.param("st");
        String se = r.param("se");
        String sip = r.param("sip");
        String spr = r.param("spr");
        String si = r.param("si");
        String grantedSp = sp;
        String grantedSt = st;
        String grantedSe = se;
        if (si != null) {
            if (r.param("ss") != null) throw StorageException.authFailed("An account SAS cannot name a stored access policy (si).");
            StoredPolicies.Policy policy = policies.find(r.service(), account.name(), target(r)[0], si)
                    .orElseThrow(() -> StorageException.authFailed("The stored access policy '" + si + "' named by the SAS does not exist."));
            grantedSp = merge("sp", sp, policy.permissions());
            grantedSt = merge("st", st, policy.start());
            grantedSe = merge("se", se, policy.expiry());
        }
        if (grantedSp == null || grantedSe == null) throw StorageException.authFailed("Signed permissions (sp) and signed expiry (se) are required.");
        Access access;
        String toSign;
        if (r.param("ss") != null) {
            String ss = r.param("ss");
            String srt = required(r, "srt");
            char svc = switch (r.service()) { case BLOB -> 'b'; case QUEUE -> 'q'; case TABLE -> 't'; };
            if (ss.indexOf(svc) < 0) {
                throw new StorageException(403, "AuthorizationServiceMismatch", "This request is not authorized to perform this operation using this service.");
            }
            toSign = account.name() + "\n" + sp + "\n" + ss + "\n" + srt + "\n" + nz(st) + "\n" + se + "\n" + nz(sip) + "\n"
                    + nz(spr) + "\n" + sv + "\n" + nz(r.param("ses")) + "\n";
            access = new Access(Access.Kind.ACCOUNT_SAS, sp, srt, null, null);
        } else {
            String[] target = target(r);
            String canonical = switch (r.service()) {
                case BLOB -> "/blob/" + account.name() + "/" + target[0] + (target[1] == null ? "" : "/" + target[1]);
                case QUEUE -> "/queue/" + account.name() + "/" + target[0];
                case TABLE -> "/table/" + account.name() + "/" + target[0];
            };
            String head = nz(sp) + "\n" + nz(st) + "\n" + nz(se) + "\n" + canonical + "\n" + nz(si) + "\n" + nz(sip) + "\n" + nz(spr) + "\n" + sv;
            toSign = switch (r.service()) {
                case BLOB -> head + "\n" + nz(r.param("sr")) + "\n" + nz(r.param("snapshot")) + "\n" + nz(r.param("ses")) + "\n"
                        + nz(r.param("rscc")) + "\n" + nz(r.param("rscd")) + "\n" + nz(r.param("rsce")) + "\n"
                        + nz(r.param("rscl")) + "\n" + nz(r.param("rsct"));
                case QUEUE -> head;
                case TABLE -> head + "\n" + nz(r.param("spk")) + "\n" + nz(r.param("srk")) + "\n" + nz(r.param("epk")) + "\n" + nz(r.param("erk"));
            };
            Access.KeyRange keys = null;
            if (r.service() == Service.TABLE && (r.param("spk") != null || r.param("epk") != null)) {
                keys = new Access.KeyRange(r.param("spk"), r.param("srk"), r.param("epk"), r.param("erk"));
            }
            access = new Access(Access.Kind.SERVICE_SAS, grantedSp, null, target[0], target[1], keys);
        }
        if (!Hmac.matchesAny(entry.keys(), toSign, sig)) {
            throw StorageException.authFailed("Signature did not match. String to sign used was " + toSign.replace("\n", "\\n"));
        }
        Instant now = clock.instant();
        if (parseSasTime("se", grantedSe).isBefore(now)) throw StorageException.authFailed("Signed expiry time [" + grantedSe + "] must be after current time [" + now + "]");
        if (grantedSt != null && parseSasTime("st", grantedSt).isAfter(now)) throw StorageException.authFailed("Signature not valid in the specified time frame: start [" + grantedSt + "]");
        if (spr != null && !spr.contains("http") ) throw StorageException.authFailed("Invalid signed protocol " + spr);
        if (spr != null && spr.equals("https") && !r.secure()) {
            throw new StorageException(403, "AuthorizationProtocolMismatch", "This request is not authorized to perform this operation using this protocol.");
        }
        if (sip != null && !IpRange.parse(sip).contains(r.remoteAddress())) {
            throw new StorageException(403, "AuthorizationSourceIPMismatch", "This request is not authorized to perform this operation using this source IP " + r.remoteAddress() + ".");
        }
        return access;
    }

    /** The container/queue/table (and blob) a service SAS was signed for, taken from sr/tn and the path. */
    private static String[] target(StorageRequest r) {
        String path = r.resourcePath();
        return switch (r.service()) {
            case BLOB -> {
                int slash = path.indexOf('/');
                String container = slash < 0 ? path : path.substring(0, slash);
                String blob = slash < 0 ? null : path.substring(slash + 1);
                String sr = nz(r.param("sr"));
                yield sr.equals("c") ? new String[]{container, null} : new String[]{container, blob};
            }
            case QUEUE -> {
                int slash = path.indexOf('/');
                yield new String[]{slash < 0 ? path : path.substring(0, slash), null};
            }
            case TABLE -> new String[]{required(r, "tn").toLowerCase(Locale.ROOT), null};
        };
    }

    private static Instant parseSasTime(String field, String value) {
        try {
            if (value.length() == 10) return Instant.parse(value + "T00:00:00Z");
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw StorageException.authFailed("The SAS field " + field + " is not an ISO 8601 UTC time: " + value);
        }
    }

    private static String required(StorageRequest r, String name) {
        String v = r.param(name);
        if (v == null) throw StorageException.authFailed("The SAS is missing the required field " + name + ".");
        return v;
    }

    private static String nz(String s) { return s == null ? "" : s; }

    /** A field comes from the SAS or from its stored policy, never from both (Azure refuses that). */
    private static String merge(String field, String fromSas, String fromPolicy) {
        if (fromSas != null && fromPolicy != null) {
            throw StorageException.authFailed("The field " + field + " is given both in the SAS and in its stored access policy.");
        }
        return fromSas != null ? fromSas : fromPolicy;
    }
}
