# Turns a flattened environment (or changed) message into shell assignments for
# /run/vmrole/environment. With -v only=settings it prints the settings alone.
BEGIN { FS = "\t" }

function q(v) { gsub(/'/, "'\\''", v); return "'" v "'" }
function var(name) { gsub(/[^A-Za-z0-9_]/, "_", name); return name }
function put(name, v) { if (only == "") print name "=" q(v) }

$1 == "deploymentId" { put("VMROLE_DEPLOYMENT_ID", $2) }
$1 == "role" { put("VMROLE_ROLE", $2) }
$1 == "instanceId" { self = $2; put("VMROLE_INSTANCE_ID", $2) }
$1 == "incarnation" { put("VMROLE_INCARNATION", $2) }
$1 == "updateDomain" { put("VMROLE_UPDATE_DOMAIN", $2) }
$1 == "faultDomain" { put("VMROLE_FAULT_DOMAIN", $2) }
$1 ~ /^settings\// { print "VMROLE_SETTING_" var(substr($1, 10)) "=" q($2) }
$1 ~ /^endpoints\/[^\/]+\/(port|protocol)$/ {
  split($1, p, "/")
  put("VMROLE_ENDPOINT_" var(p[2]) "_" toupper(p[3]), $2)
  if (p[3] == "port" && port == "") port = $2
}
# The private network: this instance's address, and its own role's internal endpoints (the app listens on them).
$1 == "network/address" { put("VMROLE_ADDRESS", $2) }
$1 ~ /^network\/instances\/[0-9]+\/instanceId$/ { split($1, p, "/"); mine[p[3]] = ($2 == self) }
$1 ~ /^network\/instances\/[0-9]+\/endpoints\/[^\/]+\/port$/ {
  split($1, p, "/")
  if (mine[p[3]]) {
    put("VMROLE_INTERNAL_" var(p[5]) "_PORT", $2)
    internal = internal (internal == "" ? "" : " ") $2
  }
}
# Drives (docs/drives.md), in the role's order: the device to mount and write or snapshot.
$1 ~ /^drives\/[^\/]+\/(device|mode)$/ {
  split($1, p, "/")
  put("VMROLE_DRIVE_" var(p[2]) "_" toupper(p[3]), $2)
  if (p[3] == "device") drives = drives (drives == "" ? "" : " ") p[2]
}
END {
  if (port == "") port = 80
  put("VMROLE_PORT", port)
  if (internal != "") put("VMROLE_INTERNAL_PORTS", internal)
  if (drives != "") put("VMROLE_DRIVES", drives)
}
