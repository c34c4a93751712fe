extension SharedSecrets {
    /// What an instance does with its secrets when it starts: it takes the store's, makes those the store
    /// does not have yet (the SSH key, the API token) and offers them; when another instance offered its
    /// own meanwhile, the offer loses and this instance takes the other's. Returns the SSH key as it is then.
    func start() async throws -> DeployerKey {
        try await pull()
        _ = try await DeployerKey.load(in: dataDirectory)
        _ = try APIToken.loadOrCreate(in: dataDirectory)
        try await offer(SecretGroup.present(in: dataDirectory))
        return try await DeployerKey.load(in: dataDirectory)
    }
}
