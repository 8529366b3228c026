using Microsoft.Extensions.DependencyInjection;
using Modular.BuildingBlocks.Hosting;
using Modular.BuildingBlocks.Messaging;
using Modular.Users.Contracts;

namespace Modular.Tests.Deployment;

/// <summary>
/// The compose file and the Kubernetes manifests against the seed's tables (docs: ../shared/seed) and against
/// each other. What the code reads is checked by <see cref="PublishedRoleTests"/>, on running processes.
/// </summary>
public sealed class ManifestTests
{
    public static TheoryData<string, string, int, string, string, string, string> SeedResources => new()
    {
        // service, MODULES, replicas, cpu request, cpu limit, memory request, memory limit (seed: Resource Allocations)
        { "gateway", "gateway", 2, "100m", "500m", "128Mi", "256Mi" },
        { "user-service", "users", 1, "100m", "500m", "128Mi", "256Mi" },
        { "notification-service", "notifications", 1, "50m", "200m", "64Mi", "128Mi" },
    };

    [Theory]
    [MemberData(nameof(SeedResources))]
    public void each_kubernetes_deployment_has_the_seeds_replicas_and_resources_and_runs_its_role(
        string service, string modules, int replicas, string cpuRequest, string cpuLimit, string memoryRequest, string memoryLimit)
    {
        var deployment = Manifests.Deployment(service);
        deployment.Map("metadata").Text("namespace").ShouldBe("microservices");
        // Where an HPA (or KEDA, through an HPA of its own) scales a Deployment it alone sets the count, from the seed's
        // replicas up: a replicas field beside it would reset a scaled-out Deployment to the seed's number on every apply.
        var minimum = Manifests.Autoscaler(service)?.Map("spec").Text("minReplicas")
            ?? Manifests.ScaledObject(service)?.Map("spec").Text("minReplicaCount");
        if (minimum is not null)
        {
            deployment.Map("spec").ContainsKey("replicas").ShouldBeFalse();
            minimum.ShouldBe(replicas.ToString());
        }
        else deployment.Map("spec").Text("replicas").ShouldBe(replicas.ToString());

        var container = Manifests.Container(service);
        var resources = container.Map("resources");
        resources.Map("requests").Text("cpu").ShouldBe(cpuRequest);
        resources.Map("limits").Text("cpu").ShouldBe(cpuLimit);
        resources.Map("requests").Text("memory").ShouldBe(memoryRequest);
        resources.Map("limits").Text("memory").ShouldBe(memoryLimit);

        var kubernetes = Manifests.Kubernetes(service);
        var compose = Manifests.Compose(service);
        kubernetes.Environment["MODULES"].ShouldBe(modules);
        compose.Environment["MODULES"].ShouldBe(modules);
        // One image for every role; compose builds it from docker/Dockerfile under the same name, and the
        // cluster pulls it with the registry and tag of the kustomization (next test).
        var entry = Manifests.Kustomization().List("images").Cast<Dictionary<object, object>>()
            .Single(e => $"{e.Text("newName")}:{e.Text("newTag")}" == kubernetes.Image);
        compose.Image.Split(':')[0].ShouldBe(entry.Text("name"));
        // The image runs as a non-root user, and Kubernetes insists on it, under the runtime's syscall filter.
        Manifests.PodSpec(service).Map("securityContext").Text("runAsNonRoot").ShouldBe("true");
        Manifests.PodSpec(service).Map("securityContext").Map("seccompProfile").Text("type").ShouldBe("RuntimeDefault");
        // Nothing of the image can be changed at run time; the runtime's scratch space is an emptyDir on /tmp.
        container.Map("securityContext").Text("readOnlyRootFilesystem").ShouldBe("true");
        var tmp = container.List("volumeMounts").Cast<Dictionary<object, object>>().Single(m => m.Text("mountPath") == "/tmp");
        Manifests.PodSpec(service).List("volumes").Cast<Dictionary<object, object>>()
            .Single(v => v.Text("name") == tmp.Text("name")).ContainsKey("emptyDir").ShouldBeTrue();
    }

    [Fact]
    public void every_deployment_names_a_plain_image_that_the_kustomization_sets_to_a_registry_and_a_build_tag()
    {
        var entries = Manifests.Kustomization().List("images").Cast<Dictionary<object, object>>().ToList();
        var images = new HashSet<string>();
        foreach (var (workload, file) in new[]
                 {
                     ("gateway", "gateway/statefulset.yaml"), ("user-service", "user-service/deployment.yaml"),
                     ("notification-service", "notification-service/deployment.yaml"), (Manifests.TopicsJob, "kafka-topics/job.yaml"),
                 })
        {
            var source = (Dictionary<object, object>)Manifests.Load(Path.Combine("kubernetes", file)).Single()
                .Map("spec").Map("template").Map("spec").List("containers").Single();
            var image = source.Text("image")!;
            images.Add(image);
            // No tag or digest in the file: they are set in one place, the kustomization.
            image.ShouldMatch("^[a-z0-9]+([._/-][a-z0-9]+)*$", workload);
            // The default pull policy of a tagged image (IfNotPresent) is right for a tag that names one build;
            // `latest` with IfNotPresent kept whatever image a node had pulled first.
            source.ContainsKey("imagePullPolicy").ShouldBeFalse(workload);

            var entry = entries.Single(e => e.Text("name") == image);
            entry.Text("newName")!.ShouldContain('/'); // a registry the cluster pulls from, not Docker Hub's library
            entry.Text("newTag").ShouldNotBeNullOrWhiteSpace();
            entry.Text("newTag").ShouldNotBe("latest");
            // ... and what the cluster gets is that registry and tag.
            Manifests.Container(workload).Text("image").ShouldBe($"{entry.Text("newName")}:{entry.Text("newTag")}", workload);
        }
        entries.Select(e => e.Text("name")!).ShouldBe(images, ignoreOrder: true);
    }

    [Fact]
    public void network_policies_admit_only_the_ingress_to_the_gateway_and_prometheus_to_every_service()
    {
        var policies = Manifests.Load(Path.Combine("kubernetes", "network-policy.yaml"));
        var denyAll = policies.Single(p => p.Map("metadata").Text("name") == "default-deny-ingress").Map("spec");
        denyAll.Map("podSelector").Count.ShouldBe(0); // every pod of the namespace
        denyAll.ContainsKey("ingress").ShouldBeFalse();

        IEnumerable<string> From(string name) => policies.Single(p => p.Map("metadata").Text("name") == name).Map("spec")
            .List("ingress").Cast<Dictionary<object, object>>().SelectMany(rule => rule.List("from").Cast<Dictionary<object, object>>())
            .Select(peer => peer.Map("namespaceSelector").Map("matchLabels").Text("kubernetes.io/metadata.name")!);
        From("gateway-from-ingress-and-prometheus").ShouldBe(["ingress-nginx", "monitoring"], ignoreOrder: true);
        From("services-from-prometheus").ShouldBe(["monitoring"]);
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("user-service")]
    [InlineData("notification-service")]
    public void every_service_has_the_seeds_probes_liveness_on_health_and_readiness_every_five_seconds(string service)
    {
        var container = Manifests.Container(service);
        var liveness = container.Map("livenessProbe");
        liveness.Map("httpGet").Text("path").ShouldBe("/health");
        liveness.Text("initialDelaySeconds").ShouldBe("30");
        liveness.Text("periodSeconds").ShouldBe("10");
        var readiness = container.Map("readinessProbe");
        readiness.Map("httpGet").Text("path").ShouldBeOneOf("/health", "/health/ready");
        readiness.Text("initialDelaySeconds").ShouldBe("5");
        readiness.Text("periodSeconds").ShouldBe("5");
        // A probe waits longer than the checks behind it (each gives up after CheckTimeout, see below): a slow
        // dependency makes the pod "not ready" by the check's own answer, never by a probe timeout (default 1 s).
        foreach (var probe in new[] { liveness, readiness })
            int.Parse(probe.Text("timeoutSeconds") ?? "1").ShouldBeGreaterThan((int)HealthEndpoints.CheckTimeout.TotalSeconds);
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("user-service")]
    [InlineData("notification-service")]
    public void every_readiness_check_of_a_service_gives_up_within_the_check_timeout(string service)
    {
        var checks = ReadinessChecks.Of(Manifests.Kubernetes(service).Environment["MODULES"]);
        checks.Select(c => c.Name).ShouldContain("kafka");
        // The checks run concurrently, so /health/ready answers within CheckTimeout only if each one is bounded by it.
        checks.ShouldAllBe(c => c.Timeout > TimeSpan.Zero && c.Timeout <= HealthEndpoints.CheckTimeout);
    }

    [Fact]
    public async Task the_kafka_check_stops_waiting_for_the_broker_when_its_timeout_ends()
    {
        // The Kafka client's calls take no cancellation token: a registration timeout alone would not bound them.
        await using var services = ReadinessChecks.Container("users");
        var check = services.GetRequiredService<Modular.BuildingBlocks.Messaging.KafkaTopics>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Should.ThrowAsync<OperationCanceledException>(() => check.CheckHealthAsync(new(), timeout.Token));
        watch.Elapsed.ShouldBeLessThan(HealthEndpoints.CheckTimeout);
        // The abandoned metadata request ends by itself within CheckTimeout; only then may its client be disposed.
        await Task.Delay(HealthEndpoints.CheckTimeout + TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("user-service")]
    [InlineData("notification-service")]
    public void every_pod_serves_on_for_five_seconds_after_deletion_and_then_gets_the_hosts_whole_shutdown_timeout(string service)
    {
        // ingress-nginx and kube-proxy may send to a deleted pod for a few seconds after the kubelet's SIGTERM;
        // the pause keeps it serving meanwhile. The kubelet's own sleep: the read-only image needs no binary for it.
        var pause = int.Parse(Manifests.Container(service).Map("lifecycle").Map("preStop").Map("sleep").Text("seconds")!);
        pause.ShouldBe(5);
        // The grace period runs from the start of preStop: the pause, the host's shutdown, a margin, then SIGKILL.
        var shutdown = (int)ModularHost.ShutdownTimeout.TotalSeconds;
        int.Parse(Manifests.PodSpec(service).Text("terminationGracePeriodSeconds")!).ShouldBeGreaterThan(pause + shutdown);
        // Compose has no endpoints to drain and sends SIGTERM at once: its grace period covers the shutdown alone.
        var composeGrace = Manifests.ComposeServices().Map(service).Text("stop_grace_period")!;
        composeGrace.ShouldMatch("^[0-9]+s$");
        int.Parse(composeGrace.TrimEnd('s')).ShouldBeGreaterThan(shutdown);
    }

    [Fact]
    public void the_gateway_is_reached_through_a_cluster_ip_service_an_nginx_ingress_and_scaled_by_an_hpa()
    {
        var service = Manifests.Resource("Service", "gateway");
        service.Map("spec").Text("type").ShouldBe("ClusterIP");
        var port = (Dictionary<object, object>)service.Map("spec").List("ports").Single();
        port.Text("port").ShouldBe("3000");

        var ingress = Manifests.Resource("Ingress", "gateway");
        ingress.Map("spec").Text("ingressClassName").ShouldBe("nginx");
        // TLS ends at the Ingress, for the host it routes, with the certificate of the Secret the README names.
        var tls = (Dictionary<object, object>)ingress.Map("spec").List("tls").Single();
        tls.Text("secretName").ShouldBe("gateway-tls");
        tls.List("hosts").Select(h => h.ToString()).ShouldBe(
            ingress.Map("spec").List("rules").Cast<Dictionary<object, object>>().Select(r => r.Text("host")));
        File.ReadAllText(Manifests.PathOf("README.md")).ShouldContain("gateway-tls");
        var path = (Dictionary<object, object>)((Dictionary<object, object>)ingress.Map("spec").List("rules").Single())
            .Map("http").List("paths").Single();
        path.Text("path").ShouldBe("/api"); // not /metrics, not /health/ready
        var backend = path.Map("backend").Map("service");
        backend.Text("name").ShouldBe(service.Map("metadata").Text("name"));

        // The HPA owns the gateway's replica count (no replicas in the Deployment: the seed's test above).
        var hpa = Manifests.Autoscaler("gateway").ShouldNotBeNull();
        hpa.Map("spec").Text("minReplicas").ShouldBe("2"); // never below the seed's two replicas
    }

    [Theory]
    [InlineData("user-service")]
    [InlineData("notification-service")]
    public void each_service_scales_with_keda_on_its_consumer_groups_lag_on_every_topic_it_reads_up_to_the_partition_count(string service)
    {
        // The seed: "scale based on message backlog / queue depth". The lag KEDA reads is the code's own topology.
        var scaled = Manifests.ScaledObject(service).ShouldNotBeNull($"{service} has no KEDA ScaledObject");
        var spec = scaled.Map("spec");
        spec.Text("minReplicaCount").ShouldBe("1");
        // A replica beyond the partition count would get no partition: the provisioned count is the ceiling.
        spec.Text("maxReplicaCount").ShouldBe(Manifests.Kubernetes(Manifests.TopicsJob).Environment["KAFKA_TOPIC_PARTITIONS"]);

        var triggers = spec.List("triggers").Cast<Dictionary<object, object>>().ToList();
        triggers.ShouldAllBe(t => t.Text("type") == "kafka");
        triggers.Select(t => (t.Map("metadata").Text("consumerGroup")!, t.Map("metadata").Text("topic")!)).Order()
            .ShouldBe(MessagingTopology.ServiceConsumerGroups(Program.Modules).Where(g => g.Service == service).Select(g => (g.Group, g.Topic)).Order());
        foreach (var trigger in triggers)
        {
            // The brokers the service itself uses, read from its container's environment.
            var brokers = trigger.Map("metadata").Text("bootstrapServersFromEnv").ShouldNotBeNull();
            Manifests.Kubernetes(service).Environment.ShouldContainKey(brokers);
            brokers.ShouldBe("KAFKA_BROKERS");
        }
    }

    [Fact]
    public void the_config_map_and_the_example_secret_hold_exactly_the_keys_the_deployments_take_from_them()
    {
        var fromConfig = new HashSet<string>();
        var fromSecret = new HashSet<string>();
        var configMapNames = new HashSet<string>();
        foreach (var workload in Manifests.Services.Append(Manifests.TopicsJob))
        foreach (Dictionary<object, object> variable in Manifests.Container(workload).List("env"))
        {
            if (!variable.ContainsKey("valueFrom")) continue;
            var from = variable.Map("valueFrom");
            if (from.ContainsKey("fieldRef")) continue; // the pod's own fields (GATEWAY_REPLICA: its name)
            if (from.ContainsKey("secretKeyRef")) fromSecret.Add(from.Map("secretKeyRef").Text("key")!);
            else
            {
                fromConfig.Add(from.Map("configMapKeyRef").Text("key")!);
                configMapNames.Add(from.Map("configMapKeyRef").Text("name")!);
            }
        }

        // One generated ConfigMap whose name carries a hash of its content: a changed value is a new name in every pod
        // template that refers to it, so the Deployments roll their pods instead of keeping the old values until a restart.
        var configMap = Manifests.OfKind("ConfigMap").ShouldHaveSingleItem();
        var name = configMap.Map("metadata").Text("name")!;
        name.ShouldMatch("^modular-config-[a-z0-9]{6,}$");
        configMapNames.ShouldBe([name]);
        Manifests.Kustomization().List("configMapGenerator").Cast<Dictionary<object, object>>()
            .Single().Text("name").ShouldBe("modular-config");

        configMap.Map("data").Keys.Cast<string>().Order().ShouldBe(fromConfig.Order());
        Manifests.ExampleSecret().Map("stringData").Keys.Cast<string>().Order().ShouldBe(fromSecret.Order());
    }

    [Fact]
    public void kustomization_applies_every_manifest_but_the_example_secret()
    {
        var resources = Manifests.Load("kubernetes/kustomization.yaml")[0].List("resources").Select(r => r.ToString()!).ToList();
        resources.ShouldNotContain("secrets.example.yaml");
        // monitoring/ is the cluster's Prometheus configuration, not a resource of this namespace.
        var expected = Directory.GetFiles(Manifests.PathOf("kubernetes"), "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Manifests.PathOf("kubernetes"), f))
            .Where(f => f is not ("kustomization.yaml" or "secrets.example.yaml" or "secrets.yaml") && !f.StartsWith("monitoring"))
            .Order();
        resources.Order().ShouldBe(expected);
        Manifests.Rendered().ShouldAllBe(d => d.Text("kind") == "Namespace" || d.Map("metadata").Text("namespace") == "microservices");
    }

    public static TheoryData<string, string[]> SeedStartupOrder => new()
    {
        // service, what it waits for to be healthy (seed: Startup Order; notification-service also keeps its delivery log in PostgreSQL)
        { "kafka", ["zookeeper"] },
        { "user-service", ["kafka", "postgres"] },
        { "notification-service", ["kafka", "postgres"] },
        { "gateway", ["kafka", "redis"] },
    };

    [Theory]
    [MemberData(nameof(SeedStartupOrder))]
    public void compose_starts_services_in_the_seeds_order_once_their_dependencies_are_healthy(string service, string[] dependencies)
    {
        var services = Manifests.ComposeServices();
        var healthy = services.Map(service).Map("depends_on")
            .Where(d => d.Value.Text("condition") == "service_healthy")
            .Select(d => (string)d.Key);
        healthy.Order().ShouldBe(dependencies.Order());
        // A dependency can only become healthy if it has a health check.
        foreach (var dependency in dependencies) services.Map(dependency).ContainsKey("healthcheck").ShouldBeTrue(dependency);
    }

    [Fact]
    public void compose_runs_the_seeds_stack_plus_monitoring_and_a_mail_catcher()
    {
        var services = Manifests.ComposeServices();
        services.Keys.Cast<string>().ShouldBe(
            ["postgres", "redis", "zookeeper", "kafka", "kafka-topics", "user-service", "notification-service", "gateway", "mailcatcher",
                "jaeger", "prometheus", "grafana"],
            ignoreOrder: true);
        services.Map("gateway").List("ports").Select(p => p.ToString()).ShouldContain("3000:3000");
        services.Map("postgres").List("ports").Select(p => p.ToString()).ShouldContain("5432:5432");
        // Redis holds the token state: no port on the host, and an append-only file so a restart keeps revocations.
        services.Map("redis").ContainsKey("ports").ShouldBeFalse();
        services.Map("redis").List("command").Select(p => p.ToString()).ShouldContain("--appendonly");
        // ... into a named volume, which `down` keeps (`down -v` removes it): a down/up logs nobody out.
        var redisVolume = services.Map("redis").List("volumes").Select(v => v.ToString()!).Single(v => v.EndsWith(":/data"));
        Manifests.Load(Manifests.ComposeFile)[0].Map("volumes").ContainsKey(redisVolume.Split(':')[0]).ShouldBeTrue(redisVolume);
        // PostgreSQL is healthy once it answers over TCP: the image's initdb runs a temporary server on the socket only.
        var pgReady = services.Map("postgres").Map("healthcheck").List("test").Select(t => t.ToString()).ToList();
        pgReady.ShouldContain("pg_isready");
        pgReady.SkipWhile(t => t != "-h").Skip(1).FirstOrDefault().ShouldBe("127.0.0.1");
        // Grafana's host port is neither a gateway's of the stack nor one of `make split`'s processes (scripts/split.sh).
        var splitPorts = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Manifests.PathOf("scripts/split.sh")),
            @"^start \S+ (\d+)", System.Text.RegularExpressions.RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        splitPorts.ShouldContain("3001");
        var grafanaPort = services.Map("grafana").List("ports").Select(p => p.ToString()!.Split(':')[0]).Single();
        splitPorts.Append("3000").ShouldNotContain(grafanaPort);
        services.Map("zookeeper").List("ports").Select(p => p.ToString()).ShouldContain("2181:2181");
        services.Map("kafka").List("ports").Select(p => p.ToString()).ShouldContain("9092:9092");
        // The seed's KAFKA_BROKERS: the broker's internal listener.
        services.Map("kafka").Map("environment").Text("KAFKA_ADVERTISED_LISTENERS")!.ShouldContain("kafka:29092");
        foreach (var service in Manifests.Services) Manifests.Compose(service).Environment["KAFKA_BROKERS"].ShouldBe("kafka:29092");
        // Notifications send to the mail catcher.
        Manifests.Compose("notification-service").Environment["SMTP_URL"].ShouldStartWith("smtp://mailcatcher:");
    }

    [Fact]
    public void compose_builds_the_one_image_once_and_every_application_service_runs_it()
    {
        var services = Manifests.ComposeServices();
        var builders = services.Where(s => ((Dictionary<object, object>)s.Value).ContainsKey("build")).ToList();
        var builder = builders.ShouldHaveSingleItem(); // `up --build` builds it once, not once per service
        builder.Value.Map("build").Text("dockerfile").ShouldBe("docker/Dockerfile");
        var image = builder.Value.Text("image");
        foreach (var service in Manifests.Services.Append(Manifests.TopicsOneShot)) services.Map(service).Text("image").ShouldBe(image, service);
    }

    [Fact]
    public void the_topics_are_created_by_the_images_provision_topics_before_the_services_which_never_create_them()
    {
        // Compose: a one-shot once Kafka is healthy; every application starts only after it has succeeded.
        var services = Manifests.ComposeServices();
        var oneShot = services.Map(Manifests.TopicsOneShot);
        oneShot.List("command").Select(c => c.ToString()).ShouldBe([TopicProvisioning.Command]);
        oneShot.Map("depends_on").Map("kafka").Text("condition").ShouldBe("service_healthy");
        oneShot.Text("restart").ShouldBe("no");
        foreach (var service in Manifests.Services)
            services.Map(service).Map("depends_on").Map(Manifests.TopicsOneShot).Text("condition")
                .ShouldBe("service_completed_successfully", service);
        // As on a managed Kafka, the compose broker creates no topic by itself.
        services.Map("kafka").Map("environment").Text("KAFKA_AUTO_CREATE_TOPICS_ENABLE").ShouldBe("false");

        // Kubernetes: a Job of the same image (rewritten by the kustomization like the Deployments'), retried until Kafka
        // answers; the services wait, not ready, until the topics exist.
        var job = Manifests.Job(Manifests.TopicsJob);
        var container = Manifests.Container(Manifests.TopicsJob);
        container.List("args").Select(a => a.ToString()).ShouldBe([TopicProvisioning.Command]);
        container.Text("image").ShouldBe(Manifests.Container("gateway").Text("image"));
        Manifests.PodSpec(Manifests.TopicsJob).Text("restartPolicy").ShouldBe("OnFailure");
        int.Parse(job.Map("spec").Text("backoffLimit")!).ShouldBeGreaterThan(3);
        Manifests.PodSpec(Manifests.TopicsJob).Map("securityContext").Text("runAsNonRoot").ShouldBe("true");
        Manifests.PodSpec(Manifests.TopicsJob).Map("securityContext").Map("seccompProfile").Text("type").ShouldBe("RuntimeDefault");
        container.Map("securityContext").Text("readOnlyRootFilesystem").ShouldBe("true");

        foreach (var manifest in Manifests.All()) manifest.Environment["KAFKA_CREATE_TOPICS"].ShouldBe("false", manifest.ToString());
        // A cluster keeps three copies of each partition; the single compose broker can hold one.
        Manifests.Kubernetes(Manifests.TopicsJob).Environment["KAFKA_REPLICATION_FACTOR"].ShouldBe("3");
        Manifests.Compose(Manifests.TopicsOneShot).Environment["KAFKA_REPLICATION_FACTOR"].ShouldBe("1");
    }

    [Fact]
    public async Task the_provisioned_topics_are_exactly_the_kafka_topics_the_services_are_configured_with_but_the_replies_topics()
    {
        // What Wolverine of each role sends to and listens on, from its configuration as the host builds it.
        var configured = new HashSet<string>();
        foreach (var modules in new[] { "gateway", "users", "notifications" })
        {
            await using var services = ReadinessChecks.Container(modules);
            var options = services.GetRequiredService<Wolverine.WolverineOptions>();
            var kafka = options.Transports.OfType<Wolverine.Kafka.Internals.KafkaTransport>().Single();
            configured.UnionWith(kafka.Endpoints().OfType<Wolverine.Kafka.KafkaTopic>().Select(t => t.TopicName)
                .Where(t => !t.StartsWith(MessagingTopology.RepliesPrefix)));
        }

        var provisioned = MessagingTopology.SharedTopics(Program.Modules);
        provisioned.Select(t => t.Name).Order().ShouldBe(configured.Order());
        configured.ShouldContain(UsersTopics.Requests);
        configured.ShouldContain(UsersTopics.Events);
        // Requests are useless after their REQUEST_TIMEOUT; events wait for a service that is down for days.
        foreach (var topic in provisioned)
            topic.Retention.ShouldBe(topic.Name.EndsWith(".events") ? TimeSpan.FromDays(7) : TimeSpan.FromHours(1), topic.Name);
    }

    [Fact]
    public void the_clusters_scrape_job_keeps_the_pods_that_the_deployments_annotate_for_prometheus()
    {
        var job = (Dictionary<object, object>)Manifests.Load("kubernetes/monitoring/prometheus-scrape.yml")[0].List("scrape_configs").Single();
        var discovery = (Dictionary<object, object>)job.List("kubernetes_sd_configs").Single();
        discovery.Text("role").ShouldBe("pod");
        discovery.Map("namespaces").List("names").Select(n => n.ToString()).ShouldBe(["microservices"]);
        var rules = job.List("relabel_configs").Cast<Dictionary<object, object>>().ToList();
        var read = rules.SelectMany(r => r.List("source_labels").Select(l => l.ToString()!)).ToHashSet();
        var keep = rules.Single(r => r.Text("action") == "keep");
        keep.List("source_labels").Select(l => l.ToString()).ShouldBe(["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]);
        keep.Text("regex").ShouldBe("true");

        foreach (var service in Manifests.Services)
        {
            var annotations = Manifests.Deployment(service).Map("spec").Map("template").Map("metadata").Map("annotations");
            annotations.Text("prometheus.io/scrape").ShouldBe("true", service);
            annotations.Text("prometheus.io/path").ShouldBe("/metrics", service);
            var port = Manifests.Container(service).List("ports").Cast<Dictionary<object, object>>().Single().Text("containerPort");
            annotations.Text("prometheus.io/port").ShouldBe(port, service);
            // Prometheus turns every annotation into __meta_kubernetes_pod_annotation_<name, non-alphanumerics as _>.
            foreach (var key in annotations.Keys.Cast<string>().Where(k => k.StartsWith("prometheus.io/")))
                read.ShouldContain("__meta_kubernetes_pod_annotation_" + System.Text.RegularExpressions.Regex.Replace(key, "[^a-zA-Z0-9]", "_"));
        }
    }
}
