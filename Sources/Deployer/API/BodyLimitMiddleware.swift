import Hummingbird

/// Reads a request's body, up to `limit` bytes, before any route sees it: the generated server would read a
/// body of any size, and a larger one is refused with 413 here instead.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        do {
            _ = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "request body is larger than \(limit) bytes")
        }
        return try await next(request, context)
    }
}
