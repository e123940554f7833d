# Flattens each JSON document (one per input line) into "path<TAB>value" lines, paths joined
# by "/": {"endpoints":{"HttpIn":{"port":80}}} gives "endpoints/HttpIn/port<TAB>80".
# Enough JSON for the agent protocol; newlines in strings become spaces.
{ s = $0; pos = 1; n = length(s); value("") }

function ws() { while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++ }

function value(path,   c) {
  ws(); c = substr(s, pos, 1)
  if (c == "{") object(path)
  else if (c == "[") array(path)
  else if (c == "\"") emit(path, str())
  else emit(path, bare())
}

function object(path,   key, c) {
  pos++; ws()
  if (substr(s, pos, 1) == "}") { pos++; return }
  while (pos <= n) {
    ws(); key = str(); ws(); pos++
    value(path == "" ? key : path "/" key)
    ws(); c = substr(s, pos, 1); pos++
    if (c != ",") return
  }
}

function array(path,   i, c) {
  pos++; ws()
  if (substr(s, pos, 1) == "]") { pos++; return }
  i = 0
  while (pos <= n) {
    value(path "/" i); i++
    ws(); c = substr(s, pos, 1); pos++
    if (c != ",") return
  }
}

function str(   out, c, e, code) {
  pos++; out = ""
  while (pos <= n) {
    c = substr(s, pos, 1)
    if (c == "\"") { pos++; return out }
    if (c == "\\") {
      pos++; e = substr(s, pos, 1)
      if (e == "n" || e == "r" || e == "t") out = out " "
      else if (e == "b" || e == "f") out = out ""
      else if (e == "u") {
        code = hex(substr(s, pos + 1, 4)); pos += 4
        out = out ((code >= 32 && code < 127) ? sprintf("%c", code) : "?")
      }
      else out = out e
      pos++; continue
    }
    out = out c; pos++
  }
  return out
}

function hex(h,   i, v) {
  v = 0; h = tolower(h)
  for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
  return v
}

function bare(   start) {
  start = pos
  while (pos <= n && index(",}] \t\r\n", substr(s, pos, 1)) == 0) pos++
  return substr(s, start, pos - start)
}

function emit(path, v) { gsub(/\t/, " ", v); print path "\t" v }
