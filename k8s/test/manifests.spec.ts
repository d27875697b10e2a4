// Offline checks of the deploy artefacts: every k8s manifest is validated against the
// Kubernetes OpenAPI schemas (kubernetes-models), then cross-checked the way a platform
// review would (probes, refs, selectors, secrets). No cluster or Docker engine needed.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';

/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML is untyped until validated */
type Obj = Record<string, any>;
type ModelClass = new (data?: any) => { validate(): void };

const K8S_DIR = resolve(__dirname, '..');
const REPO_ROOT = resolve(K8S_DIR, '..');
const DOCKER_DIR = join(REPO_ROOT, 'docker');
const NAMESPACE = 'lib-stream';
const CONFIG_MAP = 'lib-stream-config';
const SECRET = 'lib-stream-secrets';
// Not Kubernetes API objects: kustomization is checked structurally, the rest never applied.
const KUSTOMIZATION = 'kustomization.yaml';

const APPS: Record<string, { portEnv: string; port: number; extraPorts: number[] }> = {
  'control-api': { portEnv: 'CONTROL_API_PORT', port: 3000, extraPorts: [] },
  'media-worker': { portEnv: 'MEDIA_WORKER_HTTP_PORT', port: 3001, extraPorts: [1935] },
  'pulse-publisher': { portEnv: 'PULSE_PUBLISHER_HTTP_PORT', port: 3002, extraPorts: [] },
};
const SECRET_KEYS = [
  'STREAM_DATABASE_URL', 'STREAM_REDIS_URL', 'STREAM_AUTH_JWT_SECRET', 'STREAM_TOKEN_ENCRYPTION_KEY',
  'STREAM_TWITCH_CLIENT_SECRET', 'STREAM_TWITCH_WEBHOOK_SECRET', 'STREAM_YOUTUBE_CLIENT_SECRET',
  'STREAM_YOUTUBE_WEBHOOK_TOKEN', 'STREAM_AUTO_BROADCAST_RTMP_URL', 'STREAM_VOICE_BROADCAST_RTMP_URL',
  'STREAM_YOUTUBE_WEBSUB_SECRET', 'STREAM_CUSTOM_WEBHOOK_SECRET', 'STREAM_YOUTUBE_API_KEY',
];

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Schema-backed model for a parsed document; unknown kinds are an error, never skipped. */
function toModel(obj: Obj): { validate(): void } {
  const Model = MODELS[`${obj?.apiVersion}/${obj?.kind}`];
  if (!Model) throw new Error(`Unknown apiVersion/kind: ${obj?.apiVersion}/${obj?.kind}`);
  return new Model(obj);
}

const PLACEHOLDER = /change-me/;
/** Heuristic: known token shapes, non-placeholder URL passwords, long random-looking runs. */
function looksLikeRealCredential(value: string): boolean {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return true;
  if (/\b(sk|pk|rk)_(live|test)_|\bgh[pousr]_|\bxox[abposr]-|\bAKIA[0-9A-Z]{16}|\bAIza|\beyJ[\w-]+\./.test(value)) return true;
  try {
    const url = new URL(value);
    const password = decodeURIComponent(url.password);
    if (password && !PLACEHOLDER.test(password)) return true;
    // A platform endpoint (https://host/path, no credentials or query) is not a credential.
    if (/^https?:$/.test(url.protocol) && !url.password && !url.search) return false;
  } catch {
    // not a URL
  }
  return value
    .split(/[^A-Za-z0-9+/=_-]/)
    .some((t) => t.length >= 20 && /\d/.test(t) && /[A-Za-z]/.test(t) && !PLACEHOLDER.test(t));
}

interface Doc { file: string; obj: Obj }
function loadManifests(): Doc[] {
  const docs: Doc[] = [];
  for (const file of readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml') && f !== KUSTOMIZATION).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const obj = doc.toJS();
      if (obj != null) docs.push({ file, obj });
    }
  }
  return docs;
}

const docs = loadManifests();
const ofKind = (kind: string): Obj[] => docs.filter((d) => d.obj.kind === kind).map((d) => d.obj);
const deployments = ofKind('Deployment').map((o) => new Deployment(o as any));
// Throwing helpers instead of non-null assertions: a missing object fails with its name.
const deploymentNamed = (name: string): Deployment => {
  const found = deployments.find((d) => d.metadata?.name === name);
  if (!found) throw new Error(`no Deployment named ${name}`);
  return found;
};
const containerOf = (d: Deployment): IContainer => {
  const pod = d.spec?.template.spec;
  if (!pod) throw new Error(`Deployment ${d.metadata?.name} has no pod spec`);
  return pod.containers[0];
};
const podLabels = (d: Deployment): Record<string, string> => d.spec?.template.metadata?.labels ?? {};
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
/** Resolve a probe/targetPort (number or port name) to a port the container declares. */
const exposedPort = (c: IContainer, port: number | string | undefined) =>
  c.ports?.find((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port))?.containerPort;

const configMap = ofKind('ConfigMap').find((o) => o.metadata.name === CONFIG_MAP);
const secret = ofKind('Secret').find((o) => o.metadata.name === SECRET);

describe('k8s manifests: schema', () => {
  it('finds the expected objects', () => {
    expect(docs.map((d) => `${d.obj.kind}/${d.obj.metadata?.name}`).sort()).toEqual(
      expect.arrayContaining(['Namespace/lib-stream', `ConfigMap/${CONFIG_MAP}`, `Secret/${SECRET}`,
        'HorizontalPodAutoscaler/media-worker',
        ...Object.keys(APPS).flatMap((a) => [`Deployment/${a}`, `Service/${a}`, `PodDisruptionBudget/${a}`])]),
    );
  });

  it.each(docs.map((d) => [d.file, `${d.obj.kind}/${d.obj.metadata?.name}`, d.obj] as const))(
    '%s %s validates against the Kubernetes schema',
    (_file, _id, obj) => expect(() => toModel(obj).validate()).not.toThrow(),
  );

  it('puts every namespaced object in lib-stream', () => {
    for (const { obj } of docs.filter((d) => d.obj.kind !== 'Namespace')) {
      expect(`${obj.kind}/${obj.metadata.name}: ${obj.metadata.namespace}`).toBe(`${obj.kind}/${obj.metadata.name}: ${NAMESPACE}`);
    }
  });

  it('kustomization lists every applyable manifest and leaves the example Secret out', () => {
    const k = parse(readFileSync(join(K8S_DIR, KUSTOMIZATION), 'utf8'));
    expect(k).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    const expected = [...new Set(docs.map((d) => d.file))].filter((f) => f !== 'secret.example.yaml');
    expect([...k.resources].sort()).toEqual(expected.sort());
  });
});

describe('k8s manifests: platform checks', () => {
  describe.each(Object.entries(APPS))('%s Deployment', (app, { portEnv, port, extraPorts }) => {
    const dep = deploymentNamed(app);
    const c = () => containerOf(dep);

    it('uses the release image, 2 replicas and the standard labels/annotations', () => {
      expect(c().image).toBe(`lib-stream/${app}:0.1.0`);
      expect(dep.spec?.replicas).toBe(2);
      expect(podLabels(dep)).toMatchObject({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'lib-stream' });
      expect(matches(dep.spec?.selector.matchLabels ?? {}, podLabels(dep))).toBe(true);
      expect(dep.spec?.template.metadata?.annotations).toMatchObject({
        'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics',
      });
    });

    it('exposes the ports the app listens on, matching the ConfigMap', () => {
      expect(c().ports?.map((p) => p.containerPort).sort()).toEqual([port, ...extraPorts].sort());
      expect(configMap?.data[portEnv]).toBe(String(port));
    });

    it('probes /health/live and /health/ready on an exposed port', () => {
      const { livenessProbe, readinessProbe, startupProbe } = c();
      expect(livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(readinessProbe?.httpGet?.path).toBe('/health/ready');
      expect(startupProbe?.httpGet).toBeDefined();
      for (const probe of [livenessProbe, readinessProbe, startupProbe]) {
        expect(exposedPort(c(), probe?.httpGet?.port)).toBe(port);
      }
    });

    it('loads env from the ConfigMap and Secret defined in k8s/', () => {
      const envFrom = c().envFrom ?? [];
      expect(envFrom.map((e) => e.configMapRef?.name).filter(Boolean)).toEqual([configMap?.metadata.name]);
      expect(envFrom.map((e) => e.secretRef?.name).filter(Boolean)).toEqual([secret?.metadata.name]);
    });

    it('sets resources and runs as non-root uid 1000 with a read-only root FS', () => {
      expect(c().resources?.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(c().resources?.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
      expect(dep.spec?.template.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c().securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    });

    it('has a Service whose selector and target ports reach this Deployment', () => {
      const svc = ofKind('Service').find((s) => s.metadata.name === app);
      expect(matches(svc?.spec.selector ?? {}, podLabels(dep))).toBe(true);
      for (const p of svc?.spec.ports ?? []) expect(exposedPort(c(), p.targetPort ?? p.port)).toBeDefined();
    });
  });

  it('media-worker has 60s grace for FFmpeg and a writable /tmp emptyDir', () => {
    const dep = deploymentNamed('media-worker');
    expect(dep.spec?.template.spec?.terminationGracePeriodSeconds).toBe(60);
    const mount = containerOf(dep).volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(dep.spec?.template.spec?.volumes?.find((v) => v.name === mount?.name)?.emptyDir).toBeDefined();
  });

  it('the HPA scales the media-worker Deployment on CPU 70%, 2..10', () => {
    const [hpa] = ofKind('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'media-worker' });
    expect(deploymentNamed(hpa.spec.scaleTargetRef.name)).toBeDefined();
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(hpa.spec.metrics).toContainEqual({
      type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
    });
    // Utilization is relative to requests, so the target must declare a CPU request.
    expect(containerOf(deploymentNamed('media-worker')).resources?.requests?.cpu).toBeDefined();
  });

  it('each PDB selects exactly one Deployment', () => {
    const pdbs = ofKind('PodDisruptionBudget');
    expect(pdbs).toHaveLength(Object.keys(APPS).length);
    for (const pdb of pdbs) {
      const hits = deployments.filter((d) => matches(pdb.spec.selector.matchLabels, podLabels(d)));
      expect(hits.map((d) => d.metadata?.name)).toEqual([pdb.metadata.name]);
    }
  });

  it('the ConfigMap holds no Secret key and nothing secret-looking', () => {
    const cmKeys = Object.keys(configMap?.data ?? {});
    const secretKeys = Object.keys(secret?.stringData ?? {});
    expect(cmKeys.filter((k) => secretKeys.includes(k))).toEqual([]);
    // TOKEN_REFRESH_MARGIN is a duration, not a token.
    expect(cmKeys.filter((k) => /SECRET|PASSWORD|TOKEN(?!_REFRESH_MARGIN)|_KEY$|DATABASE_URL|REDIS_URL/.test(k))).toEqual([]);
    expect(Object.values(configMap?.data ?? {}).filter((v) => looksLikeRealCredential(String(v)))).toEqual([]);
  });

  it('the ConfigMap and Secret set every variable of .env.example; the worker\'s advertised host comes from its pod IP', () => {
    // .env.example lists each variable commented out: `#NAME=default`.
    const variables = readFileSync(join(REPO_ROOT, '.env.example'), 'utf8').match(/(?<=^#)[A-Z0-9_]+(?==)/gm) ?? [];
    const set = new Set([...Object.keys(configMap?.data ?? {}), ...Object.keys(secret?.stringData ?? {})]);
    expect(variables.filter((v) => !set.has(v))).toEqual(['STREAM_MEDIA_WORKER_ADVERTISED_HOST']);
    const env = containerOf(deploymentNamed('media-worker')).env ?? [];
    expect(env.find((e) => e.name === 'STREAM_MEDIA_WORKER_ADVERTISED_HOST')?.valueFrom?.fieldRef?.fieldPath).toBe('status.podIP');
  });

  it('the example Secret holds every secret key, with placeholder values only', () => {
    expect(secret?.data).toBeUndefined();
    expect(Object.keys(secret?.stringData ?? {}).sort()).toEqual([...SECRET_KEYS].sort());
    for (const [key, value] of Object.entries<string>(secret?.stringData ?? {})) {
      const placeholder = PLACEHOLDER.test(value) || /^redis:\/\/[\w.-]+:\d+$/.test(value);
      expect({ key, placeholder, realLooking: looksLikeRealCredential(value) })
        .toEqual({ key, placeholder: true, realLooking: false });
    }
  });
});

describe('the checks can fail (negative tests)', () => {
  const good = () => JSON.parse(JSON.stringify(deploymentNamed('control-api'))) as Obj;

  it('accepts the unmodified Deployment', () => expect(() => toModel(good()).validate()).not.toThrow());

  it('rejects a containerPort given as a string', () => {
    const bad = good();
    bad.spec.template.spec.containers[0].ports[0].containerPort = '3000';
    expect(() => toModel(bad).validate()).toThrow(/containerPort/);
  });

  it('rejects a Deployment without a selector', () => {
    const bad = good();
    delete bad.spec.selector;
    expect(() => toModel(bad).validate()).toThrow(/selector/);
  });

  it('rejects an unknown kind instead of skipping it', () => {
    expect(() => toModel({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).toThrow(/Unknown/);
  });

  it('flags real-looking credentials', () => {
    expect(looksLikeRealCredential(randomBytes(24).toString('hex'))).toBe(true);
    expect(looksLikeRealCredential('mysql://stream:hunter2@db:3306/stream')).toBe(true);
    expect(looksLikeRealCredential('change-me')).toBe(false);
  });
});

describe('docker artefacts', () => {
  /** Dockerfile instructions with line continuations joined, comments dropped. */
  const instructions = (text: string) =>
    text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

  it('.dockerignore keeps host artefacts out of the build context', () => {
    const lines = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split(/\r?\n/);
    expect(lines).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', '.nx', 'coverage', '.git']));
  });

  it.each(Object.entries(APPS))('%s.Dockerfile builds in one stage and runs as node in the next', (app, { port, extraPorts }) => {
    const file = join(DOCKER_DIR, `${app}.Dockerfile`);
    expect(existsSync(file)).toBe(true);
    const lines = instructions(readFileSync(file, 'utf8'));
    const froms = lines.map((l, i) => (/^FROM\s/i.test(l) ? i : -1)).filter((i) => i >= 0);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(lines[froms[0]]).toMatch(/^FROM\s+node:20-bookworm-slim\s+AS\s+build$/i);
    expect(lines.slice(froms[0])).toContain(`RUN npx nx build ${app}`);

    const final = lines.slice(froms[froms.length - 1]);
    // The runtime is node:20-bookworm-slim, directly or through a stage chosen by a build argument
    // (media-worker: `FROM ffmpeg-${FFMPEG}`, each ffmpeg-* stage itself built on node:20-bookworm-slim).
    const chosen = /^FROM\s+(\S+)-\$\{\w+\}\s+AS\s+runtime$/i.exec(final[0]);
    if (chosen) {
      const variants = lines.filter((l) => new RegExp(`^FROM\\s+\\S+\\s+AS\\s+${chosen[1]}-\\w+$`, 'i').test(l));
      expect(variants.length).toBeGreaterThanOrEqual(1);
      for (const variant of variants) expect(variant).toMatch(/^FROM\s+node:20-bookworm-slim\s/i);
    } else {
      expect(final[0]).toMatch(/^FROM\s+node:20-bookworm-slim\b/i);
    }
    expect(final.filter((l) => /^USER\s/i.test(l)).pop()).toBe('USER node');
    expect(final).toContain('ENV NODE_ENV=production');
    expect(final.some((l) => l.includes(`dist/apps/${app}`))).toBe(true);
    expect(final.some((l) => /npm (ci|install) --omit=dev/.test(l))).toBe(true);
    expect(final).toContain('STOPSIGNAL SIGTERM');
    // node, its flags if any (control-api: the young generation's size), then the bundle.
    expect(final.filter((l) => /^CMD\s/i.test(l))).toEqual([expect.stringMatching(/^CMD \["node"(, "--[a-z-]+=\w+")*, "main\.js"\]$/)]);
    const exposed = final.filter((l) => /^EXPOSE\s/i.test(l)).flatMap((l) => l.split(/\s+/).slice(1).map(Number));
    expect(exposed.sort()).toEqual([port, ...extraPorts].sort());
    expect(lines.some((l) => /apt-get install .*ffmpeg/.test(l))).toBe(app === 'media-worker');
  });

  describe('compose.yaml', () => {
    // Anchors/aliases resolve by default; `merge` also honours `<<` keys (YAML 1.1) if added later.
    const compose = parse(readFileSync(join(DOCKER_DIR, 'compose.yaml'), 'utf8'), { merge: true });

    it('parses and defines the stack', () => {
      expect(Object.keys(compose.services).sort()).toEqual(['control-api', 'media-worker', 'mysql', 'pulse-publisher', 'redis']);
      expect(compose.services.mysql).toMatchObject({ image: 'mysql:8.4', environment: { MYSQL_DATABASE: 'stream' } });
      expect(compose.services.redis.image).toBe('redis:7-alpine');
      expect(compose.services.mysql.healthcheck).toBeDefined();
      expect(compose.services.redis.healthcheck).toBeDefined();
    });

    it.each(Object.entries(APPS))('%s builds from its Dockerfile and waits for healthy deps', (app, { port }) => {
      const svc = compose.services[app];
      expect(svc.build.context).toBe('..');
      expect(existsSync(resolve(DOCKER_DIR, svc.build.context, svc.build.dockerfile))).toBe(true);
      expect(Object.values<Obj>(svc.depends_on).every((d) => d.condition === 'service_healthy')).toBe(true);
      expect(svc.healthcheck.test.join(' ')).toContain(`http://127.0.0.1:${port}/health/ready`);
      expect(svc.environment).toMatchObject({
        STREAM_DATABASE_URL: 'mysql://stream:stream@mysql:3306/stream', STREAM_REDIS_URL: 'redis://redis:6379',
      });
    });

    it('runs 2 media-workers without fixed host ports', () => {
      const mw = compose.services['media-worker'];
      expect(mw.deploy.replicas).toBe(2);
      expect((mw.ports ?? []).filter((p: unknown) => String(p).includes(':'))).toEqual([]);
    });

    it('uses the same non-secret settings as the ConfigMap and only dev placeholders as secrets', () => {
      const env: Obj = compose.services['control-api'].environment;
      expect(Object.keys(env).sort()).toEqual([...Object.keys(configMap?.data ?? {}), ...SECRET_KEYS].sort());
      for (const [k, v] of Object.entries<string>(configMap?.data ?? {})) expect([k, env[k]]).toEqual([k, v]);
      const devSecrets = SECRET_KEYS.filter((k) => !/DATABASE_URL|REDIS_URL|RTMP_URL|JWT_SECRET|ENCRYPTION_KEY|API_KEY/.test(k));
      // Optional: without a YouTube API key, viewer counts are read with a creator's token; a placeholder key would fail every call.
      expect(env.STREAM_YOUTUBE_API_KEY).toBe('');
      for (const k of devSecrets) expect([k, env[k]]).toEqual([k, 'dev-only-change-me']);
      // These two must also pass the apps' start-up validation, or the stack would not boot.
      expect(env.STREAM_AUTH_JWT_SECRET).toMatch(/^dev-only-change-me.{14,}$/);
      const key = Buffer.from(env.STREAM_TOKEN_ENCRYPTION_KEY, 'base64');
      expect([key.length, key.toString().startsWith('dev-only-change-me')]).toEqual([32, true]);
    });
  });
});
