#!/bin/bash
# SPDX-License-Identifier: MIT
# t_metrics: a real Prometheus (Debian's) scrapes ztd's GET /metrics (with
# the token of metricstoken.secret), zt-root's and zt-controller's
# --metrics listeners; every target is up, the text passes promtool, and
# counters move: packets to a peer after a ping, the root's traffic, the
# controller's config requests and database calls.
#
#   root0 203.0.113.2 (zt-root --metrics 203.0.113.2:9100)
#   ctl   198.18.1.2  (zt-controller --metrics 198.18.1.2:9100)
#   a     198.18.2.2  (ztd; Prometheus on 127.0.0.1:9090 of a's namespace,
#                      scraping ztd on 127.0.0.1:9993 and the two others)
#   b     198.18.3.2  (ztd)
# a and b ping over an ad-hoc network; a also joins a network of ctl's.
set -u
. "$(dirname "$0")/lib.sh"
[ -x "$ZTCTL" ] || { echo "FAIL $TNAME: $ZTCTL not built (run make)"; exit 1; }
MPORT=9100
PROM_PORT=9090

lab_init
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1 ||
	! command -v curl >/dev/null 2>&1; then
	say "installing prometheus curl (ext/deps.sh test)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		prometheus curl >/dev/null 2>&1
	command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 &&
		command -v curl >/dev/null 2>&1 ||
		fail deps "prometheus, promtool or curl missing (sh ext/deps.sh test)"
fi

# a bad listen address is refused with the options, before anything starts
expect_err badaddr "expected IP:PORT" "$ZTROOT" --metrics 127.0.0.1 "$T/badroot"
expect_err badaddr6 "expected IP:PORT" "$ZTCTL" --metrics ::1:9100 "$T/badctl"
[ ! -e "$T/badroot" ] && [ ! -e "$T/badctl" ] || fail badaddr "a home directory was created"

lab_root_ns root0 0
lab_member_ns ctl 1
lab_member_ns a 2
lab_member_ns b 3
start_root root0 --metrics "${IP[root0]}:$MPORT"
make_roots "$T/roots" root0
start_ctl ctl --metrics "${IP[ctl]}:$MPORT"
start_ztd a
start_ztd b
wait_online a b
join_net a "$NWID" 10.9.0.1/24
join_net b "$NWID" 10.9.0.2/24
ADDR_B=$(zt_addr b)

# ---- the endpoints themselves ----------------------------------------------
# get NS URL [TOKEN]: "<status> <content-type>" of a GET, the body in $T/body
get() {
	x "$1" curl -s -m 5 -o "$T/body" -w '%{http_code} %{content_type}' \
		${3:+-H "Authorization: Bearer $3"} "$2"
}
ZTD_URL=http://127.0.0.1:$ZT_PORT
API_TOKEN=$(cat "$T/a/authtoken.secret")
[ -s "$T/a/metricstoken.secret" ] || fail token "ztd wrote no metricstoken.secret"
MTOKEN=$(cat "$T/a/metricstoken.secret")
[ "$MTOKEN" != "$API_TOKEN" ] || fail token "metricstoken.secret is the API token"
out=$(get a "$ZTD_URL/metrics")
case $out in 401*) ;; *) fail auth "GET /metrics without a token: $out (expected 401)" ;; esac
out=$(get a "$ZTD_URL/status" "$MTOKEN")
case $out in 401*) ;; *) fail auth "GET /status with the metrics token: $out (expected 401)" ;; esac
out=$(get a "$ZTD_URL/metrics" "$API_TOKEN")
case $out in "200 text/plain; version=0.0.4"*) ;; *) fail auth "GET /metrics with the API token: $out" ;; esac
pass auth "/metrics: 401 without a token, 200 with the API or the metrics token; the metrics token reads nothing else"

# promtool must parse each; its only lint allowed is for ZeroTier's own
# controller_*_count gauge names, kept for ZeroTier's dashboards.
promcheck() { # WHAT NS URL [TOKEN]
	local what=$1 out rc
	out=$(get "$2" "$3" "${4:-}")
	case $out in 200*) ;; *) fail promtool "$what: GET $3: $out" ;; esac
	say "$what: $(wc -c <"$T/body") bytes, $(grep -vc '^#' "$T/body") samples"
	out=$(promtool check metrics <"$T/body" 2>&1)
	rc=$?
	out=$(echo "$out" | grep -vE '^controller_(network|member)_count non-histogram and non-summary metrics should not have "_count" suffix$' | grep .)
	[ -z "$out" ] && { [ $rc = 0 ] || [ $rc = 3 ]; } ||
		fail promtool "$what: promtool check metrics (rc $rc): $(echo "$out" | head -n 5 | tr '\n' ' ')"
}
promcheck ztd a "$ZTD_URL/metrics" "$MTOKEN"
promcheck zt-root a "http://${IP[root0]}:$MPORT/metrics"
promcheck zt-controller a "http://${IP[ctl]}:$MPORT/metrics"
out=$(get a "http://${IP[root0]}:$MPORT/status")
case $out in 404*) ;; *) fail listener "zt-root's metrics listener answers /status: $out" ;; esac
pass promtool "the three texts pass promtool check metrics; the listeners serve /metrics only"

# a managed network of ctl's: a asks for its config (denied, then OK)
ctl_ok managed POST "/controller/network/${CTL}______" '{"name":"metrics"}'
NW=$(echo "$CTL_BODY" | jq -r .id)
out=$(cli a join "$NW" 2>&1) || fail managed "a: zt-cli join $NW: $out"

# ---- Prometheus ------------------------------------------------------------
mkdir -p "$T/prom/data"
cat >"$T/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ztd
    authorization:
      credentials_file: $T/a/metricstoken.secret
    static_configs:
      - targets: ['127.0.0.1:$ZT_PORT']
  - job_name: zt-root
    static_configs:
      - targets: ['${IP[root0]}:$MPORT']
  - job_name: zt-controller
    static_configs:
      - targets: ['${IP[ctl]}:$MPORT']
EOF
promtool check config "$T/prom/prometheus.yml" >"$T/promtool.log" 2>&1 ||
	fail prometheus "promtool check config: $(tail -n 3 "$T/promtool.log")"
t_prom=$(now_ms)
bg a prometheus prometheus --config.file="$T/prom/prometheus.yml" \
	--storage.tsdb.path="$T/prom/data" --web.listen-address="127.0.0.1:$PROM_PORT" \
	--log.level=warn

# query PROMQL: the values of the result vector, one per line
query() {
	x a curl -s -m 5 --get "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1" | jq -r '.data.result[].value[1]'
}
all_up() { [ "$(query 'sum(up)')" = 3 ] && [ "$(query 'count(up)')" = 3 ]; }
wait_until 30 all_up ||
	fail up "not all three targets up within 30 s: $(x a curl -s -m 5 "http://127.0.0.1:$PROM_PORT/api/v1/targets" | jq -c '[.data.activeTargets[] | {job: .labels.job, health, lastError}]')"
pass up "up == 1 for ztd, zt-root and zt-controller $(( $(now_ms) - t_prom )) ms after Prometheus started"

# a counter that moves: packets a sent to b, before and after 20 echoes
PKTS="zt_peer_packets_total{job=\"ztd\",node_id=\"$ADDR_B\",direction=\"tx\"}"
has_pkts() { [ -n "$(query "$PKTS")" ]; }
wait_until 10 has_pkts || fail moved "Prometheus has no $PKTS"
before=$(query "$PKTS")
x a ping -n -c 20 -i 0.05 -W 1 -q 10.9.0.2 >/dev/null ||
	fail moved "20 echoes 10.9.0.1 -> 10.9.0.2 not all answered"
moved() { [ "$(query "$PKTS - $before >= 20")" != "" ]; }
wait_until 10 moved ||
	fail moved "$PKTS was $before before 20 echoes, is $(query "$PKTS") 10 s after"
pass moved "$PKTS: $before -> $(query "$PKTS") after 20 echoes"

positive() { [ -n "$(query "$1 > 0")" ]; }
for q in 'zt_data_total{job="zt-root",protocol="udp",direction="rx"}' \
	'sum(zt_peers{job="zt-root"})' \
	'sum(zt_controller_config_requests_total{job="zt-controller"})' \
	'sum(zt_controller_db_seconds_count{job="zt-controller",op="member_get"})' \
	'zt_online{job="ztd"}'; do
	wait_until 10 positive "$q" || fail counters "$q is not > 0: '$(query "$q")'"
done
pass counters "the root's traffic and peers, the controller's config requests and database calls, ztd online"
