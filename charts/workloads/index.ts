/** Golden-path workloads: typed constructs a profile adds to a cdk8s chart as samples for its team queue. */
export * from "./placement";
export * from "./ray-cluster";
export * from "./ray-job";
export * from "./inference-service";
export * from "./training-job";
export * from "./vector-client-job";
export * from "./llm-service";
export * from "./rag";
export * from "./train-job";
export * from "./ray-tune";
export * from "./pipeline";
export * from "./feature-repo-job";
