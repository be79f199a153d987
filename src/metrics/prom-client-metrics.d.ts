// prom-client's default metrics, one module each (process-metrics.ts imports them by file).
declare module 'prom-client/lib/metrics/*.js' {
  const register: (registry: import('prom-client').Registry, config?: object) => void;
  export default register;
}
