import Hummingbird

#if canImport(Glibc)
import Glibc
#endif

// The framework's floor for the OFREP workload: Hummingbird 2 answering `POST /ofrep/v1/evaluate/flags/{key}` with a
// fixed body (the exporter's own answer, given as the second argument), after reading the request body as the
// exporter does; no middleware, no evaluation. Usage: hbfloor PORT BODY
let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else {
    print("usage: hbfloor PORT BODY")
    exit(2)
}
let body = arguments[2]
let router = Router()
router.post("/ofrep/v1/evaluate/flags/{key}") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 65_536)
    return Response(
        status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
