/**
 * The component catalog: every component the distribution knows. Order here is irrelevant; the
 * install order is computed from each component's declared dependencies (platform/graph.ts).
 */
import type { ComponentDefinition } from "./component";
import { argoWorkflows } from "./components/argo-workflows";
import { certManager } from "./components/cert-manager";
import { draDriver } from "./components/dra-driver";
import { feast } from "./components/feast";
import { gpuOperator } from "./components/gpu-operator";
import { jobset } from "./components/jobset";
import { keda } from "./components/keda";
import { kepler } from "./components/kepler";
import { kserve } from "./components/kserve";
import { kubeflowTrainer } from "./components/kubeflow-trainer";
import { kuberay } from "./components/kuberay";
import { kueue } from "./components/kueue";
import { mlflow } from "./components/mlflow";
import { notebooks } from "./components/notebooks";
import { multikueue } from "./components/multikueue";
import { objectStore } from "./components/object-store";
import { observability } from "./components/observability";
import { opentelemetryCollector } from "./components/opentelemetry-collector";
import { opentelemetryOperator } from "./components/opentelemetry-operator";
import { postgresOperator } from "./components/postgres-operator";
import { postgresql } from "./components/postgresql";
import { samples } from "./components/samples";
import { sparkOperator } from "./components/spark-operator";
import { tenancy } from "./components/tenancy";
import { vectorDatabase } from "./components/vector-database";

export const CATALOG: readonly ComponentDefinition[] = [
  argoWorkflows,
  certManager,
  draDriver,
  feast,
  gpuOperator,
  jobset,
  keda,
  kepler,
  kserve,
  kubeflowTrainer,
  kuberay,
  kueue,
  mlflow,
  multikueue,
  notebooks,
  objectStore,
  observability,
  opentelemetryCollector,
  opentelemetryOperator,
  postgresOperator,
  postgresql,
  samples,
  sparkOperator,
  tenancy,
  vectorDatabase,
];
