import Foundation
import Hummingbird
import OpenAPIRuntime

/// The deployer's HTTP API, described by `openapi.yaml` beside this file, whose routes and types the build
/// generates (swift-openapi-generator): `DeployAPIHandler` implements them. In ZStack's REST shapes where
/// ZStack has them: `PUT /v1/hosts/{uuid}/actions` with `{"reconnectHost":{}}`, `{"params":{...}}` bodies,
/// `inventories`/`inventory` replies, and long operations answered 202 with the `location` to poll. Every
/// request passes `APIAccess` first (token, Host, Content-Type); nothing a GET returns holds a secret
/// (passwords, variable and extra-var values).
public struct DeployAPI: Sendable {
    public let deployer: Deployer
    public let access: APIAccess
    /// Request bodies larger than this are refused with 413.
    public var bodyLimit = 1 << 20

    public init(deployer: Deployer, access: APIAccess) {
        self.deployer = deployer
        self.access = access
    }

    public func router() throws -> Router<BasicRequestContext> {
        let operations = GeneratedOperations()
        // Compact JSON, as before the API was generated (the runtime's default is pretty-printed).
        try DeployAPIHandler(deployer: deployer).registerHandlers(
            on: operations, configuration: Configuration(jsonEncodingOptions: [.sortedKeys]),
            middlewares: [RequestBodyMiddleware()])
        let router = Router()
        // Outermost first: every failure below, the access checks' included, gets ZStack's error body.
        router.add(middleware: DeployerErrorMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(methodsByPath: operations.methodsByPath))
        router.add(middleware: APIAccessMiddleware(access: access))
        router.add(middleware: BodyLimitMiddleware(limit: bodyLimit))
        operations.add(to: router)
        return router
    }
}
