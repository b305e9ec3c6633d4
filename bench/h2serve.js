// A folder over HTTP/2 with TLS on loopback, nothing cached, for bench/search --http2:
//   node bench/h2serve.js ROOT KEY CERT   (prints the port once it listens)
const fs = require("fs");
const http2 = require("http2");
const path = require("path");

const [folder, key, cert] = process.argv.slice(2);
const root = path.resolve(folder);
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".json": "application/json" };
const server = http2.createSecureServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
server.on("stream", (stream, headers) => {
  let file = path.join(root, decodeURIComponent(headers[":path"].split("?")[0]));
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
  fs.readFile(file, (error, data) => {
    if (error || !file.startsWith(root + path.sep)) {
      stream.respond({ ":status": 404 });
      stream.end();
      return;
    }
    const type = types[path.extname(file)] || "application/octet-stream";
    stream.respond({ ":status": 200, "content-type": type, "content-length": data.length, "cache-control": "no-store" });
    stream.end(data);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
