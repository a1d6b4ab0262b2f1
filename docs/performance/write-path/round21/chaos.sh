#!/usr/bin/env bash
# chaos.sh <folder>: the short chaos plan (the app started by the driver) while pgact.sh samples PostgreSQL's client
# backends per database and round 20's scrape.sh reads postgres processes and OrderService's limiter. Run from the
# repository's root after a Release build; put Database__MaxPoolSize=<n> in front to try another pool size.
dir=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
"$here/pgact.sh" "$dir/pgact.txt" & sampler=$!
"$here/../round20/chaos-2/scrape.sh" "$dir/postgres-and-limiter-scrape.txt" & scraper=$!
dotnet run -c Release --no-build --project CloudLab.LoadTests -- run chaos --short --start-app --reports "$dir" \
  >"$dir/driver.log" 2>&1
kill "$sampler" "$scraper"
grep -E "^(pass|fail)" "$dir/driver.log"
