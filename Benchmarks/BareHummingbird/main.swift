// The ceiling for our agents' HTTP runtime in `make bench`: Hummingbird 2 with `traits: []`, built with the
// same flags as the agents (release, static Swift stdlib), answering ZStack's echo as an agent does (an
// empty 200 to `POST /host/echo`) and nothing else: no authentication, no admission, no metrics, no JSON.
//
//   bare-hummingbird [port]   (default 7099; binds 127.0.0.1)
import Hummingbird

let port = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 7099
let router = Router()
router.post("/host/echo") { _, _ -> HTTPResponse.Status in .ok }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
