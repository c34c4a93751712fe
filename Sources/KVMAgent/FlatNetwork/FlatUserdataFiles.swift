import HostSystem

/// One VM's userdata and metadata as mevoco.py's `_apply_userdata_vmdata` lays them out under
/// `html/<vm ip>/`: `meta-data/{index.html,instance-id,local-hostname,pvpanic}`, and with userdata
/// `user-data`, `user_data`, `meta_data.json` and an empty `password` (the Windows agents' names). Pure.
struct FlatUserdataVM: Codable, Sendable, Equatable {
    var ip: String
    /// The VM's network, `a.b.c.0/n`: the redirect chain matches its addresses.
    var network: String
    var vmUuid: String
    var hostname: String?
    var userdata: [String]
    var pvpanic: String?

    /// The files, by path relative to the VM's directory.
    var files: [(path: String, content: String)] {
        var files = [
            ("meta-data/index.html", "instance-id" + (hostname == nil ? "" : "\nlocal-hostname")),
            ("meta-data/instance-id", vmUuid),
        ]
        if let hostname { files.append(("meta-data/local-hostname", hostname)) }
        if !userdata.isEmpty {
            let packed = Self.pack(userdata)
            files += [("user-data", packed), ("user_data", packed), ("password", ""),
                      ("meta_data.json", "{\n    \"uuid\": \"\(vmUuid)\"\n}")]
        }
        if let pvpanic { files.append(("meta-data/pvpanic", pvpanic)) }
        return files
    }

    /// One userdata is served as it is; several become one multipart message, each a text part, which is how
    /// cloud-init takes more than one (mevoco.py's `packUserdata` re-parses each as a MIME message first).
    static func pack(_ userdata: [String]) -> String {
        guard userdata.count > 1 else { return userdata.first ?? "" }
        let boundary = "===============zstack-userdata-\(userdata.count)=="
        var message = "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\nMIME-Version: 1.0\n\n"
        for part in userdata {
            message += "--\(boundary)\nContent-Type: text/plain; charset=\"us-ascii\"\nMIME-Version: 1.0\n"
            message += "Content-Transfer-Encoding: 7bit\n\n\(part.trimmingWhitespace())\n"
        }
        return message + "--\(boundary)--\n"
    }
}

/// lighttpd's configuration for one namespace's metadata server: bound to 169.254.169.254:`port` (the
/// MN's `Userdata.hostPort`, reached through the namespace's DNAT from port 80), one block per VM chosen by
/// its source address.
///
/// Where mevoco.py rewrites every VM's URLs into one shared document root, each VM here gets its own
/// document root (`html/<vm ip>`) with the same rewrites: a URL the rewrites do not match (a query string,
/// another VM's directory) then still reaches only that VM's files. Addresses that are no VM's get
/// `zstack-default` (an empty meta-data). The `/host` and `/metrics/job` proxies to the host are left out
/// (they need mevoco.py's `br_conn_all_ns` link, which this agent does not make). Pure.
struct FlatLighttpdConf {
    static func render(paths: FlatNetworkPaths.Userdata, port: Int, vms: [String]) -> String {
        var lines = [
            "server.document-root = \"\(paths.fallback)\"",
            "server.port = \(port)",
            "server.bind = \"\(FlatNames.metadataAddress)\"",
            "server.pid-file = \"\(paths.pidFile)\"",
            "server.errorlog = \"\(paths.errorLog)\"",
            "server.modules += (\"mod_rewrite\", \"mod_dirlisting\")",
            "dir-listing.activate = \"enable\"",
            "index-file.names = ( \"index.html\" )",
            "mimetype.assign = ( \".html\" => \"text/html\", \".txt\" => \"text/plain\", \"\" => \"text/plain\" )",
            "",
        ]
        for (index, vm) in vms.enumerated() {
            lines.append("\(index == 0 ? "" : "else ")$HTTP[\"remoteip\"] == \"\(vm)\" {")
            lines.append("    server.document-root = \"\(paths.vm(vm))\"")
            lines += rewrites
            lines.append("}")
        }
        if vms.isEmpty { lines.append("$HTTP[\"remoteip\"] =~ \"^(.*)$\" {") } else { lines.append("else $HTTP[\"remoteip\"] =~ \"^(.*)$\" {") }
        lines += rewrites
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// mevoco.py's rewrites of the EC2/OpenStack paths cloud-init asks for, relative to the chosen root.
    private static let rewrites = [
        "    url.rewrite-once = (",
        "        \"^/.*/meta-data/(.+)$\" => \"/meta-data/$1\",",
        "        \"^/.*/meta-data$\" => \"/meta-data\",",
        "        \"^/.*/meta-data/$\" => \"/meta-data/\",",
        "        \"^/.*/user-data$\" => \"/user-data\",",
        "        \"^/.*/user_data$\" => \"/user_data\",",
        "        \"^/.*/meta_data.json$\" => \"/meta_data.json\",",
        "        \"^/.*/password$\" => \"/password\",",
        "        \"^/.*/$\" => \"/\"",
        "    )",
    ]
}
