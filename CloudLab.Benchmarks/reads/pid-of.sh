# Sourced by compare.sh and profile/start-cloudlab.sh: pid_of <port> prints the process serving that port, not the
# `dotnet run` that started it (the orchestrator's services and compare.sh's reads both need the server itself).
pid_of() {
  local environ pid
  for environ in /proc/[0-9]*/environ; do
    pid=${environ#/proc/}
    pid=${pid%/environ}
    if tr '\0' '\n' 2>/dev/null <"$environ" | grep -Eq "^(ASPNETCORE_URLS=.*:$1([^0-9]|$)|HTTP_PORTS=$1$)" &&
      ! tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q ' run '; then
      echo "$pid"
      return
    fi
  done
}
