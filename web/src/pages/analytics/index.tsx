export default function Page() {
  return <h1>Analytics</h1>;
}
