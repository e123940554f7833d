# Turns the network part of a flattened environment (or changed) message into /run/vmrole/peers:
# one line per instance and internal endpoint, "instanceId role address endpoint protocol port"
# ("- - -" for an instance whose role declares none). Instances appear in the message's order.
BEGIN { FS = "\t" }

$1 ~ /^network\/instances\/[0-9]+\/(role|instanceId|address)$/ {
  split($1, p, "/")
  field[p[3], p[4]] = $2
  if (!(p[3] in seen)) { seen[p[3]] = 1; order[n++] = p[3] }
}
$1 ~ /^network\/instances\/[0-9]+\/endpoints\/[^\/]+\/(protocol|port)$/ {
  split($1, p, "/")
  endpoint[p[3], p[5], p[6]] = $2
  if (!((p[3], p[5]) in known)) { known[p[3], p[5]] = 1; names[p[3]] = names[p[3]] " " p[5] }
}
END {
  for (i = 0; i < n; i++) {
    k = order[i]
    m = split(names[k], list, " ")
    if (m == 0) print field[k, "instanceId"], field[k, "role"], field[k, "address"], "-", "-", "-"
    for (j = 1; j <= m; j++) {
      print field[k, "instanceId"], field[k, "role"], field[k, "address"], list[j], endpoint[k, list[j], "protocol"], endpoint[k, list[j], "port"]
    }
  }
}
