export default function Page() {
  return <h1>Templates</h1>;
}
