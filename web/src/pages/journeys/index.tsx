export default function Page() {
  return <h1>Journeys</h1>;
}
