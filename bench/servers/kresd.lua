-- Knot Resolver 5.6 serving the seed's /service through its own HTTP module, on plain HTTP, or
-- with BENCH_TLS=true on TLS only with the run's certificate (BENCH_CERT, BENCH_KEY), where it
-- offers h2 and http/1.1 by ALPN. The driver copies this file to a temp dir and runs
-- `kresd -n -c config.lua DIR` with BENCH_PORT set; the port line on stdout tells it the server is up.
local port = assert(tonumber(os.getenv('BENCH_PORT')), 'BENCH_PORT is not set')
local tls = os.getenv('BENCH_TLS') == 'true'

-- No DNS work in the background while we measure HTTP.
modules.unload('priming')
modules.unload('detect_time_skew')
modules.unload('ta_update')
trust_anchors.remove('.')

modules.load('http')

-- The seed, line for line (without its log line, which kresd writes at notice level).
local value = 42
local service = {'application/json', function (h, stream)
	local m = h:get(':method')
	local path = h:get(':path')
	if m == 'GET' then
		return {key = path, value = value}
	elseif m == 'POST' then
		local data = stream:get_body_as_string()
		if not tonumber(data) then
			return 500, 'Not a good request'
		end
		value = tonumber(data)
	else
		return 405, 'Cannot do that'
	end
end}

local conf = { tls = false, endpoints = { ['/service'] = service } }
if tls then
	conf.tls = true
	conf.cert = assert(os.getenv('BENCH_CERT'), 'BENCH_CERT is not set')
	conf.key = assert(os.getenv('BENCH_KEY'), 'BENCH_KEY is not set')
end
http.config(conf, 'myservice')
net.listen('127.0.0.1', port, { kind = 'myservice' })

io.stdout:write(string.format('listening %d\n', port))
io.stdout:flush()
