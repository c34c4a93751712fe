// The ceiling for our agents' HTTP runtime in `make bench`: Hummingbird 2 with `traits: []`, built with the
// same flags as the agents (release, static Swift stdlib), answering ZStack's echo as an agent does (an
// empty 200 to `POST /host/echo`) and nothing else: no authentication, no admission, no metrics, no JSON.
//
//   bare-hummingbird [port] [address]   (default 7099 on 127.0.0.1)
import Hummingbird

let arguments = CommandLine.arguments.dropFirst()
let port = arguments.first.flatMap(Int.init) ?? 7099
let address = arguments.dropFirst().first ?? "127.0.0.1"
let router = Router()
router.post("/host/echo") { _, _ -> HTTPResponse.Status in .ok }
let app = Application(router: router, configuration: .init(address: .hostname(address, port: port)))
try await app.runService()
