-- wrk script: POST the original 7-price body as JSON
wrk.method = "POST"
wrk.body   = '{"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}'
wrk.headers["Content-Type"] = "application/json"
