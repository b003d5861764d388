import CNPGCore
import CNPGTestSupport
import Foundation
import Testing

@testable import KubeSandbox

/// The kubelet's pure parts: environment, launch plans, accounts, addresses, printing, endpoints, logs.
@Suite struct KubeletPartsTests {
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try ObjectCodec.decode(type, from: try JSONText.parse(Array(text.utf8)))
    }

    static func element(_ value: JSONValue?, _ index: Int) -> JSONValue? {
        guard case .array(let items)? = value, items.indices.contains(index) else { return nil }
        return items[index]
    }

    static func facts() -> ContainerEnvironment.PodFacts {
        ContainerEnvironment.PodFacts(
            name: "db-1", namespace: "prod", uid: "u-1", podIP: "127.0.1.7", hostIP: "127.0.0.1", nodeName: "sandbox",
            serviceAccountName: "db", labels: ["role": "primary"], annotations: [:])
    }

    @Test func variableReferencesExpandAsKubernetesDoes() {
        #expect(ContainerEnvironment.expand("$(A)-$$(A)-$(B)-$", with: ["A": "1"]) == "1-$(A)-$(B)-$")
        #expect(ContainerEnvironment.expand("x$(A", with: ["A": "1"]) == "x$(A")
    }

    @Test func environmentComesFromImageFieldsSecretsAndConfigMaps() throws {
        let resolver = ContainerEnvironment(
            pod: Self.facts(), apiServerHost: "127.0.0.1", apiServerPort: 6443,
            secret: { $0 == "app" ? ["password": "s3cret"] : nil },
            configMap: { $0 == "settings" ? ["MODE": "fast"] : nil })
        var container = try Self.decode(
            Container.self,
            #"""
            {"name": "c", "envFrom": [{"prefix": "CFG_", "configMapRef": {"name": "settings"}}],
             "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "app", "key": "password"}}},
                     {"name": "ROLE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['role']"}}},
                     {"name": "GREETING", "value": "$(ROLE) on $(KUBERNETES_SERVICE_HOST)"}]}
            """#)
        var image = ImageMap.Entry(image: "x")
        image.env = ["LISTEN": "$(POD_IP)"]
        let values = Dictionary(try resolver.resolve(container, image: image), uniquingKeysWith: { _, last in last })
        #expect(values["PASSWORD"] == "s3cret")
        #expect(values["ROLE"] == "primary")
        #expect(values["GREETING"] == "primary on 127.0.0.1")
        #expect(values["CFG_MODE"] == "fast")
        #expect(values["LISTEN"] == "127.0.1.7")
        #expect(values["KUBERNETES_SERVICE_PORT"] == "6443")

        var missing = EnvVarSource()
        missing.secretKeyRef = OptionalKeySelector(name: "other", key: "password")
        container.env = [EnvVar(name: "X", valueFrom: missing)]
        #expect(throws: ContainerEnvironment.Failure(description: "secret \"other\" not found")) { try resolver.resolve(container, image: image) }
        missing.secretKeyRef = OptionalKeySelector(name: "app", key: "nope")
        container.env = [EnvVar(name: "X", valueFrom: missing)]
        #expect(throws: ContainerEnvironment.Failure(description: "couldn't find key nope in secret prod/app")) {
            try resolver.resolve(container, image: image)
        }
    }

    static let files = ContainerLaunchPlan.PodFiles(hosts: "/p/etc/hosts", passwd: "/p/etc/passwd", group: "/p/etc/group")

    @Test func launchPlanMountsVolumesAndRunsAsThePodUser() throws {
        var spec = PodSpec()
        var context = PodSecurityContext()
        context.runAsUser = 26
        context.fsGroup = 26
        context.runAsNonRoot = true
        spec.securityContext = context
        var container = Container(name: "postgres")
        container.command = ["/controller/manager", "instance", "run", "--pod=$(POD_NAME)"]
        container.volumeMounts = [
            VolumeMount(name: "pgdata", mountPath: "/var/lib/postgresql/data"),
            VolumeMount(name: "scratch", mountPath: "/controller", subPath: "ctl"),
        ]
        var security = SecurityContext()
        security.readOnlyRootFilesystem = true
        container.securityContext = security
        var image = ImageMap.Entry(image: "pg")
        image.users = [ImageMap.User(name: "postgres", uid: 26, gid: 26, home: "/var/lib/postgresql")]
        image.files = ["/manager": "/build/instance-manager"]
        let plan = try ContainerLaunchPlan.make(
            pod: spec, podName: "db-1", container: container, image: image,
            environment: [("POD_NAME", "db-1")],
            volumeDirectories: ["pgdata": "/v/pgdata", "scratch": "/v/scratch"],
            podFiles: Self.files, rootDirectory: "/p/rootfs/postgres")
        #expect(plan.uid == 26 && plan.gid == 26 && plan.groups == [26])
        #expect(plan.command == ["/controller/manager", "instance", "run", "--pod=db-1"])
        let arguments = plan.arguments(pidFile: "/p/postgres.pid")
        #expect(arguments.contains("--read-only-root"))
        #expect(arguments.joined(separator: " ").contains("--bind /v/scratch/ctl /controller"))
        #expect(arguments.joined(separator: " ").contains("--bind-ro /build/instance-manager /manager"))
        #expect(arguments.joined(separator: " ").contains("--bind-ro /p/etc/hosts /etc/hosts"))
        #expect(Array(arguments.suffix(5)) == ["--", "/controller/manager", "instance", "run", "--pod=db-1"])
        #expect(!arguments.contains("--image-root"), "the host's system directories")
        image.root = "/images/postgresql"
        let onImage = try ContainerLaunchPlan.make(
            pod: spec, podName: "db-1", container: container, image: image, environment: [],
            volumeDirectories: ["pgdata": "/v/pgdata", "scratch": "/v/scratch"],
            podFiles: Self.files, rootDirectory: "/p/rootfs/postgres")
        #expect(onImage.arguments(pidFile: "/p/postgres.pid").joined(separator: " ").contains("--image-root /images/postgresql --system /usr"))
    }

    @Test func launchPlanRefusesWhatKubernetesRefuses() {
        var spec = PodSpec()
        var context = PodSecurityContext()
        context.runAsNonRoot = true
        spec.securityContext = context
        var container = Container(name: "c")
        container.command = ["/bin/true"]
        #expect(throws: ContainerLaunchPlan.Failure.self) {
            try ContainerLaunchPlan.make(
                pod: spec, podName: "p", container: container, image: ImageMap.Entry(image: "x"), environment: [],
                volumeDirectories: [:], podFiles: Self.files, rootDirectory: "/r")
        }
        spec.securityContext = nil
        container.volumeMounts = [VolumeMount(name: "data", mountPath: "/data", subPath: "../../etc")]
        #expect(throws: ContainerLaunchPlan.Failure.self) {
            try ContainerLaunchPlan.make(
                pod: spec, podName: "p", container: container, image: ImageMap.Entry(image: "x"), environment: [],
                volumeDirectories: ["data": "/v"], podFiles: Self.files, rootDirectory: "/r")
        }
        container.volumeMounts = [VolumeMount(name: "undeclared", mountPath: "/data")]
        #expect(throws: ContainerLaunchPlan.Failure(description: "volume \"undeclared\" of container c is not declared by the pod")) {
            try ContainerLaunchPlan.make(
                pod: spec, podName: "p", container: container, image: ImageMap.Entry(image: "x"), environment: [],
                volumeDirectories: [:], podFiles: Self.files, rootDirectory: "/r")
        }
        container.volumeMounts = nil
        container.command = nil
        #expect(throws: ContainerLaunchPlan.Failure.self) {
            try ContainerLaunchPlan.make(
                pod: spec, podName: "p", container: container, image: ImageMap.Entry(image: "x"), environment: [],
                volumeDirectories: [:], podFiles: Self.files, rootDirectory: "/r")
        }
    }

    @Test func accountsGiveTheImageUsersTheirNamesAndEveryUidAnEntry() {
        let host = "root:x:0:0:root:/root:/bin/bash\npostgres:x:104:108::/var/lib/postgresql:/bin/bash\n"
        let group = "root:x:0:\npostgres:x:108:\n"
        let image = [ImageMap.User(name: "postgres", uid: 26, gid: 26, home: "/var/lib/postgresql")]
        let files = ContainerLaunchPlan.accountFiles(hostPasswd: host, hostGroup: group, imageUsers: image, runAs: 26, gid: 26)
        #expect(files.passwd == "root:x:0:0:root:/root:/bin/bash\npostgres:x:26:26::/var/lib/postgresql:/bin/sh\n")
        #expect(files.group == "root:x:0:\npostgres:x:26:\n")
        let unknown = ContainerLaunchPlan.accountFiles(hostPasswd: host, hostGroup: group, imageUsers: [], runAs: 1234, gid: 1234)
        #expect(unknown.passwd.contains("uid1234:x:1234:1234::/:/bin/sh"))
        #expect(unknown.passwd.contains("postgres:x:104:108"))
    }

    @Test func addressesAreHandedOutOnceAndReusedLast() {
        var pool = AddressPool(secondOctet: 0, firstHost: 254)
        #expect(pool.address(for: "a") == "127.0.1.1")
        #expect(pool.address(for: "b") == "127.0.1.2")
        #expect(pool.address(for: "a") == "127.0.1.1")
        pool.release("a")
        #expect(pool.address(for: "c") == "127.0.1.3")
        #expect(pool.holder(of: "127.0.1.2") == "b")
        var services = AddressPool(secondOctet: 1, firstHost: 0)
        #expect(services.address(for: "ns/svc") == "127.1.0.1")
    }

    @Test func imageReferencesMatchExactlyOrByPrefix() throws {
        let map = ImageMap.cnpgDefault(binaryDirectory: "/bin-dir", postgresBinDirectory: "/usr/lib/postgresql/15/bin")
        #expect(map.entry(for: "ghcr.io/cloudnative-pg/postgresql:17.2").env?["CNPG_PG_BIN_DIR"] == "/usr/lib/postgresql/15/bin")
        #expect(map.entry(for: "ghcr.io/cloudnative-pg/cloudnative-pg:1.25.0").files?["/manager"] == "/bin-dir/instance-manager")
        #expect(map.entry(for: "busybox").files == nil)
        let directory = try TemporaryDirectory(prefix: "kubelet-parts")
        let path = directory.url.appendingPathComponent("map.yaml").path
        try "images:\n- image: busybox*\n  entrypoint: [/bin/sh]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ImageMap.load(path: path).entry(for: "busybox:1.36").entrypoint == ["/bin/sh"])
        try "images: 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ImageMap.LoadError.self) { try ImageMap.load(path: path) }
        #expect(throws: ImageMap.LoadError(description: "--image-map: cannot read /nonexistent/map.yaml")) { try ImageMap.load(path: "/nonexistent/map.yaml") }
        try "images:\n- image: pg*\n  root: \(directory.url.path)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try ImageMap.load(path: path).entry(for: "pg:15").root == directory.url.path)
        try "images:\n- image: pg*\n  root: /nonexistent/rootfs\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ImageMap.LoadError(description: "--image-map: \(path): images[pg*].root must be an existing absolute directory: /nonexistent/rootfs")) {
            try ImageMap.load(path: path)
        }
    }

    static func pod(_ status: String) throws -> JSONValue {
        try JSONText.parse(
            Array(
                ("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}],\"initContainers\":[{\"name\":\"i\"}]},\"status\":" + status + "}")
                    .utf8))
    }

    @Test func podColumnsReadAsKubectlPrintsThem() throws {
        let initializing = PodSummary(
            try Self.pod(
                #"{"phase":"Pending","initContainerStatuses":[{"name":"i","restartCount":0,"state":{"running":{}}}],"containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]}"#
            ))
        #expect(initializing.status == "Init:0/1" && initializing.ready == "0/1")
        let crashing = PodSummary(
            try Self.pod(
                #"{"phase":"Running","initContainerStatuses":[{"name":"i","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],"containerStatuses":[{"name":"c","ready":false,"restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}"#
            ))
        #expect(crashing.status == "CrashLoopBackOff" && crashing.restarts == 3)
        let done = PodSummary(
            try Self.pod(
                #"{"phase":"Succeeded","containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}"#
            ))
        #expect(done.status == "Completed")
        let deleting = try Self.pod(#"{"phase":"Running"}"#)
        let terminating = deleting.setting("metadata", to: .object([("name", .string("p")), ("deletionTimestamp", .string("2026-01-01T00:00:00Z"))]))
        #expect(PodSummary(terminating).status == "Terminating")
    }

    @Test func endpointsFollowSelectorsReadinessAndNamedPorts() throws {
        let service = try JSONText.parse(
            Array(
                #"{"metadata":{"name":"db-rw","namespace":"ns"},"spec":{"selector":{"role":"primary"},"ports":[{"name":"postgres","port":5432,"targetPort":"postgresql"}]}}"#
                    .utf8))
        let ready = try JSONText.parse(
            Array(
                #"{"metadata":{"name":"db-1","uid":"1","labels":{"role":"primary"}},"spec":{"containers":[{"name":"c","ports":[{"name":"postgresql","containerPort":5432}]}]},"status":{"phase":"Running","podIP":"127.0.1.1","conditions":[{"type":"Ready","status":"True"}]}}"#
                    .utf8))
        let replica = try JSONText.parse(
            Array(#"{"metadata":{"name":"db-2","uid":"2","labels":{"role":"replica"}},"status":{"phase":"Running","podIP":"127.0.1.2"}}"#.utf8))
        let unready = ready.setting(
            "metadata", to: .object([("name", .string("db-3")), ("uid", .string("3")), ("labels", .object([("role", .string("primary"))]))])
        )
        .setting("status", to: .object([("phase", .string("Running")), ("podIP", .string("127.0.1.3"))]))
        let endpoints = ServiceController.endpoints(for: service, pods: [ready, replica, unready])
        #expect(endpoints.addresses.map(\.ip) == ["127.0.1.1", "127.0.1.3"])
        #expect(endpoints.addresses.map(\.ready) == [true, false])
        #expect(endpoints.ports.first?.targetPorts == ["127.0.1.1": 5432, "127.0.1.3": 5432])
    }

    @Test func logRequestsPickTheContainerAndSliceTheText() throws {
        let pod = try JSONText.parse(
            Array(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"},{"name":"b"}],"initContainers":[{"name":"init"}]}}"#.utf8))
        #expect(try PodLogRequest.containerName("init", in: pod) == "init")
        #expect(throws: StatusError.self) { try PodLogRequest.containerName(nil, in: pod) }
        #expect(throws: StatusError.self) { try PodLogRequest.containerName("zzz", in: pod) }
        let request = try PodLogRequest(query: ["tailLines": "2"])
        #expect(request.slice("one\ntwo\nthree\n") == "two\nthree\n")
        #expect(throws: StatusError.self) { try PodLogRequest(query: ["tailLines": "-1"]) }
        #expect(try PodLogRequest(query: ["limitBytes": "3"]).slice("abcdef") == "abc")
    }

    @Test func hostsFilesNameServicesTheWaysPodsAskForThem() {
        let text = ServiceNames.render(
            ["prod": ["db-rw": "127.1.0.1"], "other": ["cache": "127.1.0.2"]], podName: "db-1", namespace: "prod", podIP: "127.0.1.5")
        #expect(text.contains("127.1.0.1\tdb-rw.prod.svc.cluster.local db-rw.prod.svc db-rw.prod db-rw\n"))
        #expect(text.contains("127.1.0.2\tcache.other.svc.cluster.local cache.other.svc cache.other\n"))
        #expect(text.contains("127.0.1.5\tdb-1\n"))
    }

    @Test func podAdmissionAddsTheTokenVolumeUnlessOptedOut() throws {
        let pod = try JSONText.parse(Array(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c"}]}}"#.utf8))
        let admitted = PodAdmission.admit(pod, suffix: "abcde")
        #expect(admitted["spec"]?["serviceAccountName"] == .string("default"))
        #expect(Self.element(admitted["spec"]?["volumes"], 0)?["name"] == .string("kube-api-access-abcde"))
        let container = Self.element(admitted["spec"]?["containers"], 0)
        #expect(Self.element(container?["volumeMounts"], 0)?["mountPath"] == .string(PodAdmission.tokenMountPath))
        let optedOut = pod.setting("spec", to: (pod["spec"] ?? .null).setting("automountServiceAccountToken", to: .bool(false)))
        #expect(PodAdmission.admit(optedOut)["spec"]?["volumes"] == nil)
    }
}
