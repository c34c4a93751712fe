@testable import Deployer
import Foundation
import Testing

/// What reaches ssh, inventories and templates is checked first; what ansible prints is read per host.
struct InputAndOutputTests {
    @Test(arguments: [
        "; rm -rf /", "../etc", "-oProxyCommand=id", "host name", "a$(id)", "",
    ])
    func refusesHostileAddresses(address: String) {
        #expect(HostInput(address: address, password: "x").problem()?.contains("is not an IP address or host name") == true)
    }

    @Test func refusesHostileUsersVariablesAndMissingCredentials() {
        #expect(HostInput(address: "10.0.0.1", user: "root;id", password: "x").problem() != nil)
        #expect(HostInput(address: "10.0.0.1", user: "-oX", password: "x").problem() != nil)
        #expect(HostInput(address: "10.0.0.1").problem()?.contains("give a password") == true)
        #expect(HostInput(address: "10.0.0.1", password: "x", variables: ["x": "{{ lookup('pipe', 'id') }}"]).problem()?
            .contains("template markers") == true)
        #expect(HostInput(address: "10.0.0.1", password: "x", variables: ["bad-name": "1"]).problem()?
            .contains("not an identifier") == true)
        #expect(HostInput(address: "10.0.0.1", sshPort: 70000, password: "x").problem() != nil)
        #expect(HostInput(address: "10.0.0.1", password: "p; rm -rf /", variables: ["zstack_root": "/var/lib/zstack"]).problem() == nil,
                "a password may hold anything: it is never parsed")
    }

    @Test func validatesSettings() {
        #expect(Setting.problem(key: "upgrade.batchSize", value: "100") == nil)
        #expect(Setting.problem(key: "upgrade.batchSize", value: "0") != nil)
        #expect(Setting.problem(key: "upgrade.batchSize", value: "ten") != nil)
        #expect(Setting.problem(key: "upgrade.maxFailPercent", value: "101") != nil)
        #expect(Setting.problem(key: "ansible.var.skip_packages", value: "true") == nil)
        #expect(Setting.problem(key: "ansible.var.x", value: "{{ 7*7 }}") != nil)
        #expect(Setting.problem(key: "no.such.key", value: "1")?.contains("unknown setting") == true)
    }

    @Test func readsFailuresPerHostFromAnsibleOutput() {
        let output = AnsibleOutput("""
            PLAY [Deploy the ZStack KVM agent] *********************************************

            TASK [Check settings] **********************************************************
            ok: [aaa]
            fatal: [bbb]: FAILED! => {"assertion": "x", "changed": false, "evaluated_to": false, "msg": "bad setting: pkg kvmagent-1.tar.gz"}
            fatal: [ccc]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect to the host via ssh: Host key verification failed.", "unreachable": true}

            TASK [Restart the agent] *******************************************************
            changed: [aaa]

            PLAY RECAP *********************************************************************
            aaa                        : ok=13   changed=7    unreachable=0    failed=0    skipped=7    rescued=0    ignored=0
            bbb                        : ok=1    changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0
            ccc                        : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0
            """)
        #expect(output.recaps["aaa"] == AnsibleOutput.Recap(ok: 13, changed: 7, unreachable: 0, failed: 0))
        #expect(output.recaps["bbb"]?.failed == 1)
        #expect(output.failures["aaa"] == nil)
        #expect(output.failures["bbb"] == "task 'Check settings' failed: bad setting: pkg kvmagent-1.tar.gz")
        #expect(output.failures["ccc"] == "unreachable at task 'Check settings': Failed to connect to the host via ssh: Host key verification failed.")
        #expect(output.tail(of: "aaa") == "ok: [aaa]\nchanged: [aaa]")
    }

    @Test func parsesMD5SumOutput() {
        let sums = FileMD5.parse("""
            0123456789abcdef0123456789abcdef  /var/lib/zstack/kvmagent/package/kvmagent-1.tar.gz
            fedcba9876543210fedcba9876543210 */etc/init.d/zstack-kvmagent
            md5sum: /missing: No such file or directory
            """)
        #expect(sums == ["/var/lib/zstack/kvmagent/package/kvmagent-1.tar.gz": "0123456789abcdef0123456789abcdef",
                         "/etc/init.d/zstack-kvmagent": "fedcba9876543210fedcba9876543210"])
    }

    @Test func inventoryFilesAreReadableByTheirOwnerOnly() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inventory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("inventory.sqlite").path
        let inventory = try Inventory(path: path)
        try inventory.setSetting("upgrade.batchSize", "5")
        for file in [path, path + "-wal"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        #expect(inventory.integer(Setting.batchSize) == 5)
    }
}
